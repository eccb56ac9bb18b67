/**
 * `stepgate admin history verify` and the chain in the export (SPEC §5, docs/history.md): the real
 * command on a SQLite store edited behind its back with SQL, and an export checked by the script
 * docs/history.md gives auditors, which reads nothing but the export and the key.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../adapters/sqlite/store.js';
import { HistoryChain, HistoryKey } from '../../gateway/history-chain.js';
import type { HistoryEntry } from '../../gateway/ports.js';
import { runStepgate, type CliResult } from '../helpers/cli.js';
import { TEST_HASH } from '../helpers/gateway.js';

const KEY = Buffer.alloc(32, 13).toString('base64');
const EMAIL_OPTION = 'Email-Based Identity Confirmation Option';
/** Each run starts a node process; on a busy machine that takes a while. */
const SLOW = { timeout: 180_000 };

interface Setup {
  dir: string;
  storePath: string;
  admin(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  sql(statement: string): void;
}

function setup(): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-history-verify-'));
  const storePath = join(dir, 'stepgate.db');
  const users = join(dir, 'users.yaml');
  writeFileSync(
    users,
    `bob: { password_hash: '${TEST_HASH}', email: bob@example.com, mobile: '+14155550123' }\n`,
  );
  const config = join(dir, 'stepgate.yaml');
  writeFileSync(
    config,
    [
      'upstream: { url: http://127.0.0.1:3000 }',
      'session: { secret: history-verify-session-secret-long-enough }',
      `store: { path: ${storePath} }`,
      `logins: { direct: { users_file: ${users} } }`,
      `notifications: { outbox_path: ${join(dir, 'outbox.jsonl')} }`,
      '',
    ].join('\n'),
  );
  return {
    dir,
    storePath,
    admin: (args, env = { STEPGATE_HISTORY_KEY: KEY }) =>
      runStepgate(['admin', ...args, '--config', config], { env, timeoutMs: 120_000 }),
    sql: (statement) => {
      const db = new Database(storePath);
      db.exec(statement);
      db.close();
    },
  };
}

function entry(fields: Partial<HistoryEntry>): HistoryEntry {
  return {
    time: new Date('2026-01-15T09:00:00Z'),
    user: 'alice',
    method: 'sms',
    status: 'Succeeded',
    triggeredBy: 'NewNetwork',
    sourceIp: '203.0.113.7',
    login: 'direct',
    entryPoint: 'standard',
    userAgent: 'Mozilla/5.0',
    detail: null,
    ...fields,
  };
}

/** Entries written as the gateway writes them, with the same key; a minute apart. */
async function written(s: Setup, entries: Partial<HistoryEntry>[]): Promise<void> {
  const key = new HistoryKey(Buffer.from(KEY, 'base64'));
  const store = SqliteStore.open(s.storePath, { historyChain: new HistoryChain(key) });
  for (const [i, fields] of entries.entries()) {
    await store.appendHistory(entry({ time: new Date(Date.UTC(2026, 0, 15, 9, i)), ...fields }));
  }
  await store.close();
}

const four = [{}, { user: 'bob' }, { status: 'Initiated' as const }, { method: 'email' }];

/** A failure: exit 1, nothing on standard output, the last line of standard error returned. */
function refusal(result: CliResult): string {
  expect(result.code, result.stdout).toBe(1);
  expect(result.stdout).toBe('');
  return result.stderr.trimEnd().split('\n').at(-1) ?? '';
}

describe('stepgate admin history verify', () => {
  it('says the chain holds, with the count', SLOW, async () => {
    const s = setup();
    await written(s, four);
    const result = await s.admin(['history', 'verify']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('history chain OK: 4 entries checked (seq 1 to 4)\n');
  });

  it('names the entry that was changed, removed or inserted, and exits 1', SLOW, async () => {
    const [changed, removed, inserted] = [setup(), setup(), setup()];
    for (const s of [changed, removed, inserted]) await written(s, four);
    changed.sql("UPDATE verification_history SET username = 'mallory' WHERE seq = 2");
    removed.sql('DELETE FROM verification_history WHERE seq = 3');
    inserted.sql(
      "INSERT INTO verification_history (occurred_at, username, method, status) VALUES (1768467780000, 'bob', 'sms', 'Succeeded')",
    );
    const results = await Promise.all(
      [changed, removed, inserted].map((s) => s.admin(['history', 'verify'])),
    );
    expect(results.map(refusal)).toEqual([
      'stepgate: history chain broken: entry seq 2 (id 2) was changed: its hash does not match its content',
      'stepgate: history chain broken: entry seq 3 was removed',
      'stepgate: history chain broken: entry id 5 was inserted: it has no sequence number, so stepgate did not write it',
    ]);
  });

  it('refuses without the key, and says why a key is malformed', SLOW, async () => {
    const s = setup();
    await written(s, four);
    const [none, malformed] = await Promise.all([
      s.admin(['history', 'verify'], {}),
      s.admin(['history', 'verify'], { STEPGATE_HISTORY_KEY: 'not-a-key' }),
    ]);
    expect(refusal(none!)).toBe(
      "stepgate: The history's chain cannot be checked without its key: set STEPGATE_HISTORY_KEY where this runs.",
    );
    expect(refusal(malformed!)).toMatch(
      /^stepgate: STEPGATE_HISTORY_KEY must be 32 random bytes written as base64 \(44 characters\) or hex/,
    );
    expect(malformed!.stderr).not.toContain('not-a-key');
  });
});

/** The script docs/history.md gives auditors, as it stands there. */
function documentedScript(dir: string): string {
  const doc = readFileSync(new URL('../../docs/history.md', import.meta.url), 'utf8');
  const after = doc.split('<!-- check-history-export')[1] ?? '';
  const script = /```js\n([\s\S]*?)```/.exec(after)?.[1];
  if (script === undefined) throw new Error('docs/history.md has no check-history-export script');
  const path = join(dir, 'check-history.mjs');
  writeFileSync(path, script);
  return path;
}

function runScript(script: string, exported: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const env = { ...process.env, STEPGATE_HISTORY_KEY: KEY };
    execFile(process.execPath, [script, exported], { env }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('stepgate admin history export', () => {
  it('carries the chain, which the documented script checks from the export alone', SLOW, async () => {
    const s = setup();
    // What the canonical form must carry exactly: quotes, a line break, a control character, non-ASCII.
    await written(s, [
      { userAgent: 'Mozilla/5.0 (X11; "quoted")', detail: 'line one\nline two' },
      { user: 'zoë', detail: 'tab\there, bell\u0007, snowman ☃' },
    ]);
    // And entries the admin commands write (their detail holds an em dash).
    for (const args of [
      ['remove-mobile', 'bob'],
      ['assign-permission-set', 'bob', EMAIL_OPTION],
    ]) {
      expect((await s.admin(args)).code).toBe(0);
    }
    const [json, csv] = await Promise.all([
      s.admin(['history', '--format', 'json']),
      s.admin(['history', '--format', 'csv']),
    ]);
    const exported = JSON.parse(json.stdout) as Record<string, string | number | null>[];
    expect(exported.map((e) => e.seq)).toEqual([4, 3, 2, 1]);
    const keyId = new HistoryKey(Buffer.from(KEY, 'base64')).id;
    for (const e of exported) {
      expect(e).toMatchObject({ key_id: keyId, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    }
    const [header, ...rows] = csv.stdout.split('\r\n');
    expect(header?.split(',').slice(-4)).toEqual(['seq', 'key_id', 'prev_hash', 'hash']);
    // The newest row has no quoted cells; its last four are the chain, as in the JSON.
    expect(rows[0]?.split(',').slice(-4)).toEqual(
      [exported[0]?.seq, exported[0]?.key_id, exported[0]?.prev_hash, exported[0]?.hash].map(String),
    );

    const script = documentedScript(s.dir);
    const file = join(s.dir, 'history.json');
    writeFileSync(file, json.stdout);
    expect(await runScript(script, file)).toEqual({
      code: 0,
      stdout: 'OK: 4 entries chained, seq 1 to 4; 0 without a hash\n',
      stderr: '',
    });

    const tampered = exported.map((e) => (e.seq === 2 ? { ...e, detail: 'tab here' } : e));
    writeFileSync(file, JSON.stringify(tampered));
    expect(await runScript(script, file)).toMatchObject({ code: 1, stderr: 'seq 2 (id 2) was changed\n' });

    const gap = exported.filter((e) => e.seq !== 3);
    writeFileSync(file, JSON.stringify(gap));
    expect(await runScript(script, file)).toMatchObject({ code: 1, stderr: 'seq 4 does not follow seq 2\n' });
  });
});
