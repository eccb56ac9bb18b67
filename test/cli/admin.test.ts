/**
 * `stepgate admin ...` (SPEC §1.8, §5): the real command on a temporary SQLite store and users
 * file, with no gateway running. What it does is read back from the store it wrote.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EncryptingStore, parseEncryptionKey } from '../../adapters/crypto/encrypting-store.js';
import { SqliteStore } from '../../adapters/sqlite/store.js';
import { CodeHasher } from '../../gateway/factors/codes.js';
import { TEMPORARY_CODE_PURPOSE } from '../../gateway/factors/temporary-code/index.js';
import type { Store } from '../../gateway/ports.js';
import { runStepgate, type CliResult } from '../helpers/cli.js';
import { TEST_HASH } from '../helpers/gateway.js';

const SECRET = 'cli-test-session-secret-that-is-long-enough';
const BOB_MOBILE = '+14155550123';
const EMAIL_OPTION = 'Email-Based Identity Confirmation Option';
const ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');
/** The admin commands write history entries, chained with this (docs/history.md). */
const HISTORY_KEY = Buffer.alloc(32, 9).toString('base64');
const HOUR = 3_600_000;
/** Each run starts a node process; on a busy machine that takes a while. */
const SLOW = { timeout: 180_000 };

interface Setup {
  dir: string;
  config: string;
  storePath: string;
  outboxPath: string;
  admin(...args: string[]): Promise<CliResult>;
  withStore<T>(use: (store: Store) => Promise<T>): Promise<T>;
}

function setup(options: { encryptionKey?: string } = {}): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-admin-cli-'));
  const storePath = join(dir, 'stepgate.db');
  const outboxPath = join(dir, 'outbox.jsonl');
  const users = join(dir, 'users.yaml');
  const user = (extra: string) => `{ password_hash: '${TEST_HASH}', ${extra} }`;
  writeFileSync(
    users,
    [
      `alice: ${user('email: alice@example.com')}`,
      `bob: ${user(`email: bob@example.com, mobile: '${BOB_MOBILE}'`)}`,
      `gone: ${user('email: gone@example.com, active: false')}`,
      '',
    ].join('\n'),
  );
  const config = join(dir, 'stepgate.yaml');
  writeFileSync(
    config,
    [
      'upstream: { url: http://127.0.0.1:3000 }',
      `session: { secret: ${SECRET} }`,
      `store: { path: ${storePath}${options.encryptionKey ? `, encryption_key: '${options.encryptionKey}'` : ''} }`,
      `logins: { direct: { users_file: ${users} } }`,
      `notifications: { outbox_path: ${outboxPath} }`,
      '',
    ].join('\n'),
  );
  return {
    dir,
    config,
    storePath,
    outboxPath,
    admin: (...args) =>
      runStepgate(['admin', ...args, '--config', config], {
        env: { STEPGATE_HISTORY_KEY: HISTORY_KEY },
        timeoutMs: 120_000,
      }),
    withStore: async (use) => {
      const store = SqliteStore.open(storePath);
      try {
        return await use(store);
      } finally {
        await store.close();
      }
    },
  };
}

function expectOk(result: CliResult): string[] {
  expect(result.stderr, result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout.trimEnd().split('\n');
}

/** A failure: non-zero, nothing on standard output, one line on standard error. */
function expectRefused(result: CliResult): string {
  expect(result.code, result.stdout).not.toBe(0);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^stepgate: /);
  return lines[0] ?? '';
}

const ACTOR = `cli:${userInfo().username}`;

describe('stepgate admin temp-code', () => {
  it(
    'prints the code alone on the first line; it verifies with the gateway hasher; the user is told',
    SLOW,
    async () => {
      const s = setup();
      const [code, expiry, ...more] = expectOk(await s.admin('temp-code', 'alice', '--hours', '2'));
      expect(code).toMatch(/^\d{8}$/);
      expect(more).toEqual([]);
      await s.withStore(async (store) => {
        const active = await store.getActiveTemporaryCode('alice', new Date());
        expect(active).toBeDefined();
        expect(active!.expiresAt.getTime() - active!.issuedAt.getTime()).toBe(2 * HOUR);
        expect(expiry).toBe(`expires at ${active!.expiresAt.toISOString()}`);
        expect(active!.issuedBy).toBe(ACTOR);
        const hasher = new CodeHasher(SECRET);
        expect(hasher.matches(active!.hash, TEMPORARY_CODE_PURPOSE, 'alice', code!)).toBe(true);
        expect(hasher.matches(active!.hash, TEMPORARY_CODE_PURPOSE, 'alice', '00000000')).toBe(
          code === '00000000',
        );
      });
      const notices = readFileSync(s.outboxPath, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(notices).toEqual([
        expect.objectContaining({
          channel: 'email',
          to: 'alice@example.com',
          subject: 'A temporary verification code was issued for you',
        }),
      ]);
      expect(notices[0].body).not.toContain(code);

      expect(expectOk(await s.admin('expire-temp-code', 'alice'))).toEqual([
        'expired the temporary code of alice',
      ]);
      await s.withStore(async (store) =>
        expect(await store.getActiveTemporaryCode('alice', new Date())).toBeUndefined(),
      );
    },
  );

  it('refuses with one line and a non-zero exit', SLOW, async () => {
    const s = setup();
    const [big, fraction, unknown, inactive, noHours] = await Promise.all([
      s.admin('temp-code', 'alice', '--hours', '25'),
      s.admin('temp-code', 'alice', '--hours', '1.5'),
      s.admin('temp-code', 'nobody', '--hours', '1'),
      s.admin('temp-code', 'gone', '--hours', '1'),
      s.admin('temp-code', 'alice'),
    ]);
    for (const hours of [big, fraction]) expect(expectRefused(hours!)).toMatch(/1 to 24 whole hours/);
    expect(expectRefused(unknown!)).toBe("stepgate: There is no user named 'nobody'.");
    expect(expectRefused(inactive!)).toBe("stepgate: 'gone' is not active: no code is issued.");
    expect(expectRefused(noHours!)).toMatch(/--hours N \(1 to 24\)/);
    expect(noHours!.code).toBe(2);
    expect(existsSync(s.outboxPath)).toBe(false);
    await s.withStore(async (store) =>
      expect(await store.countTemporaryCodesIssuedSince('alice', new Date(0))).toBe(0),
    );
  });
});

describe('stepgate admin: mobiles, permission sets, activations', () => {
  it('removes a mobile, and assigns and unassigns a permission set', SLOW, async () => {
    const s = setup();
    const [removed, assigned, unknownSet] = await Promise.all([
      s.admin('remove-mobile', 'bob'),
      s.admin('assign-permission-set', 'bob', EMAIL_OPTION.toUpperCase()),
      s.admin('assign-permission-set', 'bob', 'Superpowers'),
    ]);
    expect(expectOk(removed!)).toEqual(['removed the mobile number of bob: codes now go by email']);
    expect(expectOk(assigned!)).toEqual([`bob now holds, by assignment: ${EMAIL_OPTION}`]);
    expect(expectRefused(unknownSet!)).toBe(
      `stepgate: There is no permission set named 'Superpowers'. Known: ${EMAIL_OPTION}.`,
    );
    await s.withStore(async (store) => {
      expect(await store.getMobile('bob')).toMatchObject({ phone: null, removedSourcePhone: BOB_MOBILE });
      expect(await store.listPermissionSetAssignments('bob')).toEqual([
        expect.objectContaining({ permissionSet: EMAIL_OPTION, assignedBy: ACTOR }),
      ]);
    });
    expect(expectOk(await s.admin('unassign-permission-set', 'bob', EMAIL_OPTION))).toEqual([
      `unassigned '${EMAIL_OPTION}' from bob`,
    ]);
    await s.withStore(async (store) => expect(await store.listPermissionSetAssignments('bob')).toEqual([]));
  });

  it('lists remembered networks, revokes one, then all', SLOW, async () => {
    const s = setup();
    await s.withStore(async (store) => {
      await store.rememberNetwork('alice', '203.0.113.7/32', 'email', new Date('2026-01-10T08:00:00Z'));
      await store.rememberNetwork('alice', '2001:db8:1:2::/64', 'sms', new Date('2026-01-12T08:00:00Z'));
    });
    const [header, newest, oldest, ...more] = expectOk(await s.admin('activations', 'alice'));
    expect(more).toEqual([]);
    expect(header?.split(/\s{2,}/)).toEqual(['NETWORK', 'FIRST USED', 'LAST USED', 'METHOD']);
    expect(newest?.split(/\s+/)).toEqual([
      '2001:db8:1:2::/64',
      '2026-01-12T08:00:00.000Z',
      '2026-01-12T08:00:00.000Z',
      'sms',
    ]);
    expect(oldest?.split(/\s+/)[0]).toBe('203.0.113.7/32');

    expect(expectOk(await s.admin('activations', 'alice', '--revoke', '203.0.113.7/32'))).toEqual([
      'revoked 203.0.113.7/32 for alice',
    ]);
    await s.withStore(async (store) =>
      expect((await store.listRememberedNetworks('alice')).map((n) => n.network)).toEqual([
        '2001:db8:1:2::/64',
      ]),
    );
    expect(expectOk(await s.admin('activations', 'alice', '--revoke'))).toEqual([
      'revoked 1 remembered network of alice',
    ]);
    expect(expectOk(await s.admin('activations', 'alice'))).toEqual(['alice has no remembered networks']);
  });

  it('opens an encrypted store with its key, as the gateway does', SLOW, async () => {
    const s = setup({ encryptionKey: ENCRYPTION_KEY });
    expectOk(await s.admin('remove-mobile', 'bob'));
    await s.withStore(async (raw) => {
      const sealed = await raw.getMobile('bob');
      expect(sealed?.removedSourcePhone).not.toBe(BOB_MOBILE);
      const store = await EncryptingStore.open(raw, parseEncryptionKey(ENCRYPTION_KEY));
      expect((await store.getMobile('bob'))?.removedSourcePhone).toBe(BOB_MOBILE);
    });
  });
});

describe('stepgate admin history', () => {
  it('prints the history newest first as JSON or CSV, filtered by user and time', SLOW, async () => {
    const s = setup();
    await s.withStore(async (store) => {
      for (const [time, user, detail] of [
        ['2026-01-10T08:00:00Z', 'alice', 'first, "quoted"'],
        ['2026-01-11T08:00:00Z', 'bob', 'other user'],
        ['2026-01-12T08:00:00Z', 'alice', 'second'],
      ] as const) {
        await store.appendHistory({
          time: new Date(time),
          user,
          method: 'email',
          status: 'Succeeded',
          triggeredBy: 'NewNetwork',
          sourceIp: '203.0.113.7',
          login: 'direct',
          entryPoint: 'standard',
          userAgent: 'test',
          detail,
        });
      }
    });
    const [json, csv, since, badSince, badFormat] = await Promise.all([
      s.admin('history', '--user', 'ALICE', '--format', 'json'),
      s.admin('history', '--user', 'alice', '--format', 'csv'),
      s.admin('history', '--since', '2026-01-11', '--format', 'json'),
      s.admin('history', '--since', 'yesterday'),
      s.admin('history', '--format', 'xml'),
    ]);
    const entries = JSON.parse(json!.stdout) as { user: string; detail: string; time: string }[];
    expect(json!.code).toBe(0);
    expect(entries.map((e) => e.detail)).toEqual(['second', 'first, "quoted"']);
    expect(entries[0]).toMatchObject({
      user: 'alice',
      time: '2026-01-12T08:00:00.000Z',
      source_ip: '203.0.113.7',
    });

    expect(csv!.code).toBe(0);
    const lines = csv!.stdout.split('\r\n');
    expect(lines[0]).toBe(
      'id,time,user,method,status,triggered_by,source_ip,login,entry_point,user_agent,detail,seq,key_id,prev_hash,hash',
    );
    expect(lines).toHaveLength(4);
    // Written here without a history key: numbered, with no hash.
    expect(lines[1]).toMatch(/,second,3,,,$/);
    expect(lines[2]).toMatch(/,"first, ""quoted""",1,,,$/);
    expect(lines[3]).toBe('');

    expect((JSON.parse(since!.stdout) as { detail: string }[]).map((e) => e.detail)).toEqual([
      'second',
      'other user',
    ]);
    expect(expectRefused(badSince!)).toMatch(/'--since' must be an ISO 8601 date/);
    expect(expectRefused(badFormat!)).toMatch(/'format' must be 'json' or 'csv'/);
  });

  it('records every admin action in the history, by the operator at the CLI', SLOW, async () => {
    const s = setup();
    expectOk(await s.admin('remove-mobile', 'bob'));
    const [entry, ...more] = JSON.parse((await s.admin('history', '--format', 'json')).stdout) as Record<
      string,
      string
    >[];
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      user: 'bob',
      method: 'admin:remove_mobile',
      status: 'Succeeded',
      source_ip: null,
    });
    expect(entry?.detail).toMatch(new RegExp(` — by ${ACTOR} via cli$`));
  });

  it('names an unknown command with a one-line reason', SLOW, async () => {
    const s = setup();
    const result = await s.admin('frobnicate');
    expect(expectRefused(result)).toBe(
      "stepgate: unknown admin command 'frobnicate' (try 'stepgate admin --help')",
    );
    expect(result.code).toBe(2);
  });
});
