import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { EncryptingStore, EncryptionKeyMismatchError } from '../../adapters/crypto/encrypting-store.js';
import { KEY_MISMATCH_MESSAGE } from '../../adapters/crypto/errors.js';
import { SqliteStore } from '../../adapters/sqlite/store.js';
import { compose } from '../../bin/compose.js';
import { runRotateKey } from '../../bin/rotate-key.js';
import { loadConfig } from '../../config/load.js';
import type { Logger } from '../../gateway/ports.js';
import { runStepgate } from '../helpers/cli.js';

const CURRENT_KEY = Buffer.alloc(32, 0x11).toString('base64');
const NEW_KEY = Buffer.alloc(32, 0x22).toString('hex');
const SESSION_SECRET = 'a-long-enough-session-secret-for-these-tests';
const PHONE = '+14155550100';

const root = mkdtempSync(join(tmpdir(), 'stepgate-rotate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let setups = 0;

/** A config whose store holds one mobile sealed under CURRENT_KEY; returns its paths. */
async function setup(): Promise<{ config: string; database: string }> {
  setups += 1;
  const dir = join(root, `case-${setups}`);
  const database = join(dir, 'stepgate.db');
  const store = await EncryptingStore.open(SqliteStore.open(database), Buffer.from(CURRENT_KEY, 'base64'));
  await store.saveMobile({
    user: 'alice',
    phone: PHONE,
    verifiedAt: new Date(0),
    source: 'self',
    removedSourcePhone: null,
    updatedAt: new Date(0),
  });
  await store.close();
  const config = join(dir, 'stepgate.yaml');
  writeFileSync(
    config,
    [
      'server: { listen: 127.0.0.1:0 }',
      'upstream: { url: http://127.0.0.1:3000 }',
      "session: { secret: '${STEPGATE_SESSION_SECRET}' }",
      `store: { path: '${database}', encryption_key: '\${STEPGATE_ENCRYPTION_KEY}' }`,
      'logins: { direct: { users_file: config/users.demo.yaml } }',
      `notifications: { outbox_path: '${join(dir, 'outbox.jsonl')}' }`,
      'policy_file: config/policy.example.yaml',
      '',
    ].join('\n'),
  );
  return { config, database };
}

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function rotate(config: string, env: NodeJS.ProcessEnv) {
  const [stdout, stderr] = [collector(), collector()];
  const code = await runRotateKey(config, {
    env: { STEPGATE_SESSION_SECRET: SESSION_SECRET, ...env },
    stdout: stdout.stream,
    stderr: stderr.stream,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const phoneColumn = (database: string): unknown => {
  const db = new Database(database, { readonly: true });
  try {
    return db.prepare("SELECT phone FROM mobiles WHERE username = 'alice'").pluck().get();
  } finally {
    db.close();
  }
};

async function phoneWith(database: string, key: Buffer): Promise<string | null | undefined> {
  const store = await EncryptingStore.open(SqliteStore.open(database), key);
  try {
    return (await store.getMobile('alice'))?.phone;
  } finally {
    await store.close();
  }
}

describe('stepgate admin rotate-key (runRotateKey)', () => {
  it('re-encrypts under STEPGATE_NEW_ENCRYPTION_KEY and prints a one-line summary', async () => {
    const { config, database } = await setup();
    const result = await rotate(config, {
      STEPGATE_ENCRYPTION_KEY: CURRENT_KEY,
      STEPGATE_NEW_ENCRYPTION_KEY: NEW_KEY,
    });
    expect(result).toEqual({
      code: 0,
      stdout:
        'rotate-key: re-encrypted 1 mobile record(s) and 0 credential(s) under the new key; ' +
        'now set store.encryption_key to the new key and start stepgate\n',
      stderr: '',
    });
    expect(await phoneWith(database, Buffer.from(NEW_KEY, 'hex'))).toBe(PHONE);
    const old = SqliteStore.open(database);
    await expect(EncryptingStore.open(old, Buffer.from(CURRENT_KEY, 'base64'))).rejects.toThrow(
      EncryptionKeyMismatchError,
    );
    await old.close();
  });

  it('asks for the new key when STEPGATE_NEW_ENCRYPTION_KEY is not set, changing nothing', async () => {
    const { config, database } = await setup();
    const before = phoneColumn(database);
    const result = await rotate(config, { STEPGATE_ENCRYPTION_KEY: CURRENT_KEY });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "stepgate: admin rotate-key: set STEPGATE_NEW_ENCRYPTION_KEY to the new key (make one with 'openssl rand -base64 32')\n",
    );
    expect(phoneColumn(database)).toBe(before);
  });

  it('refuses a malformed store.encryption_key with the accepted forms, never printing it', async () => {
    const { config } = await setup();
    const malformed = 'my-secret-passphrase-for-the-store';
    const result = await rotate(config, {
      STEPGATE_ENCRYPTION_KEY: malformed,
      STEPGATE_NEW_ENCRYPTION_KEY: NEW_KEY,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('store.encryption_key: must be 32 random bytes written as base64');
    expect(result.stderr).toContain("make one with 'openssl rand -base64 32'");
    expect(result.stderr).not.toContain(malformed);
  });

  it('refuses a current key the database was not encrypted with, changing nothing', async () => {
    const { config, database } = await setup();
    const before = phoneColumn(database);
    const result = await rotate(config, {
      STEPGATE_ENCRYPTION_KEY: Buffer.alloc(32, 0x33).toString('base64'),
      STEPGATE_NEW_ENCRYPTION_KEY: NEW_KEY,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^stepgate: admin rotate-key: store: the current key .* does not match/);
    expect(phoneColumn(database)).toBe(before);
  });
});

describe('stepgate admin rotate-key', () => {
  it('rotates through the command line', { timeout: 60_000 }, async () => {
    const { config, database } = await setup();
    const result = await runStepgate(['admin', 'rotate-key', '--config', config], {
      env: {
        STEPGATE_SESSION_SECRET: SESSION_SECRET,
        STEPGATE_ENCRYPTION_KEY: CURRENT_KEY,
        STEPGATE_NEW_ENCRYPTION_KEY: NEW_KEY,
      },
      timeoutMs: 45_000,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^rotate-key: re-encrypted 1 mobile record\(s\) and 0 credential\(s\)/);
    expect(await phoneWith(database, Buffer.from(NEW_KEY, 'hex'))).toBe(PHONE);
  });
});

/** Set, so that what start-up says is about the encryption key alone (docs/history.md). */
const HISTORY_KEY = Buffer.alloc(32, 3).toString('base64');

describe('starting with store.encryption_key', () => {
  // A process still running when the timeout kills it ends with code null: the test then fails.
  it(
    'serve refuses a key the database was not encrypted with, and exits by itself',
    { timeout: 60_000 },
    async () => {
      const { config } = await setup();
      const result = await runStepgate(['serve', '--config', config], {
        env: {
          STEPGATE_SESSION_SECRET: SESSION_SECRET,
          STEPGATE_ENCRYPTION_KEY: NEW_KEY,
          STEPGATE_HISTORY_KEY: HISTORY_KEY,
        },
        timeoutMs: 45_000,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`stepgate: ${KEY_MISMATCH_MESSAGE}\n`);
    },
  );

  // The history key comes from the process's environment (docs/history.md); these tests are about the other.
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  async function composeWith(config: string, env: NodeJS.ProcessEnv) {
    vi.stubEnv('STEPGATE_HISTORY_KEY', HISTORY_KEY);
    const loaded = await loadConfig(config, { STEPGATE_SESSION_SECRET: SESSION_SECRET, ...env });
    if (!loaded.ok) throw new Error('the test config does not load');
    const warnings: string[] = [];
    const logger: Logger = { info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined };
    return { composed: await compose(loaded.value, logger), warnings };
  }

  it('wraps the store so values are read and written encrypted with the right key', async () => {
    const { config, database } = await setup();
    const { composed, warnings } = await composeWith(config, { STEPGATE_ENCRYPTION_KEY: CURRENT_KEY });
    try {
      expect(composed.ports.store).toBeInstanceOf(EncryptingStore);
      const store = composed.ports.store;
      const alice = await store.getMobile('alice');
      expect(alice?.phone).toBe(PHONE);
      if (alice) await store.saveMobile({ ...alice, phone: '+447700900123' });
      expect(warnings).toEqual([]);
    } finally {
      await composed.close();
    }
    expect(phoneColumn(database)).toMatch(/^v1:/);
    expect(await phoneWith(database, Buffer.from(CURRENT_KEY, 'base64'))).toBe('+447700900123');
  });

  it('runs without a key, warning once that secrets are stored unencrypted', async () => {
    const { config } = await setup();
    writeFileSync(config, readFileSync(config, 'utf8').replace(/, encryption_key: '[^']*'/, ''));
    const { composed, warnings } = await composeWith(config, {});
    expect(composed.ports.store).toBeInstanceOf(SqliteStore);
    await composed.close();
    expect(warnings).toEqual([
      'store.encryption_key is not set: phone numbers and authenticator secrets are stored unencrypted',
    ]);
  });
});
