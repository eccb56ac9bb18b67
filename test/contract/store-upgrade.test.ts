/**
 * A store made by the previous release (schema 3, authenticator secrets in their own table) opened
 * by this one: migration 4 moves the secrets into the credential table without loss, sealed ones
 * still open with the key, and the authenticator app keeps working, its used step included. The
 * fixtures were written by stepgate 0b6707d itself (test/fixtures/stores/README.md).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HOTP, Secret } from 'otpauth';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EncryptingStore, parseEncryptionKey } from '../../adapters/crypto/encrypting-store.js';
import { PostgresStore } from '../../adapters/postgres/store.js';
import { migrations } from '../../adapters/sqlite/migrations.js';
import { SqliteStore } from '../../adapters/sqlite/store.js';
import { AuthenticatorFactor } from '../../gateway/factors/authenticator/index.js';
import { timeStep } from '../../gateway/factors/authenticator/totp.js';
import type { Store } from '../../gateway/ports.js';
import { TestClock } from '../helpers/clock.js';

const FIXTURES = new URL('../fixtures/stores/', import.meta.url);
/** The key the fixtures' values were sealed with. */
const KEY = 'q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=';
const ALICE_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const BOB_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
/** The step of the last code alice's app answered with in the old release. */
const ALICE_LAST_STEP = 59_000_000;

const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
const appCode = (secret: string, step: number) =>
  HOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, counter: step });

/** What the previous release kept must all be there, and the authenticator apps must still answer. */
async function expectUpgraded(raw: Store): Promise<void> {
  const store = await EncryptingStore.open(raw, parseEncryptionKey(KEY));
  const credentials = await store.listAllCredentials();
  expect(credentials).toEqual([
    {
      id: expect.any(String),
      user: 'alice',
      type: 'authenticator',
      name: null,
      data: ALICE_SECRET,
      createdAt: new Date('2026-02-01T08:00:00Z'),
      lastUsedAt: null,
      counter: ALICE_LAST_STEP,
    },
    {
      id: expect.any(String),
      user: 'bob',
      type: 'authenticator',
      name: null,
      data: BOB_SECRET,
      createdAt: new Date('2026-01-05T09:00:00Z'),
      lastUsedAt: null,
      counter: null,
    },
  ]);
  // alice's secret stays sealed at rest; bob's, written before encryption was on, stays readable.
  const atRest = await raw.listAllCredentials();
  expect(atRest[0]?.data).toMatch(/^v1:/);
  expect(atRest[1]?.data).toBe(BOB_SECRET);

  expect(await store.getMobile('alice')).toMatchObject({ phone: '+447400123456', source: 'self' });
  expect(await store.listRememberedNetworks('alice')).toMatchObject([{ network: '203.0.113.7/32' }]);
  expect(await store.queryHistory({ user: 'alice', limit: 10 })).toMatchObject([
    { method: 'authenticator', status: 'Succeeded', userAgent: 'fixture' },
  ]);

  const clock = new TestClock(Date.parse('2026-12-07T18:00:00Z'));
  const app = new AuthenticatorFactor({ store, clock });
  const now = timeStep(clock.now());
  // The step the old release recorded still counts: a code from it is refused...
  expect(await app.verify({ user: 'alice' }, appCode(ALICE_SECRET, ALICE_LAST_STEP))).toMatchObject({
    ok: false,
  });
  // ...and today's code works once, for alice and for bob alike.
  expect(await app.verify({ user: 'alice' }, appCode(ALICE_SECRET, now))).toEqual({ ok: true });
  expect(await app.verify({ user: 'alice' }, appCode(ALICE_SECRET, now))).toMatchObject({ ok: false });
  expect(await app.verify({ user: 'bob' }, appCode(BOB_SECRET, now))).toEqual({ ok: true });
  expect((await store.listCredentials('alice'))[0]).toMatchObject({ counter: now, lastUsedAt: clock.now() });
}

describe('a SQLite store of the previous release', () => {
  const directory = mkdtempSync(join(tmpdir(), 'stepgate-upgrade-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('opens with its authenticator secrets moved into the credential table, still working', async () => {
    const path = join(directory, 'release-0b6707d.db');
    const old = new Database(path);
    old.exec(fixture('release-0b6707d.sqlite.sql'));
    old.close();

    const raw = SqliteStore.open(path);
    try {
      await expectUpgraded(raw);
    } finally {
      await raw.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
      expect(tables).toContain('credentials');
      expect(tables).not.toContain('authenticators');
      expect(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(
        migrations.at(-1)?.version,
      );
    } finally {
      db.close();
    }
  });
});

describe('a PostgreSQL store of the previous release', () => {
  const serverUrl = process.env.STEPGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = `stepgate_upgrade_${randomBytes(6).toString('hex')}`;
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;

  afterAll(async () => {
    const server = new Client({ connectionString: serverUrl });
    await server.connect();
    await server.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await server.end();
  });

  it('opens with its authenticator secrets moved into the credential table, still working', async () => {
    const server = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
    await server.connect();
    await server.query(`CREATE DATABASE ${database}`);
    await server.end();
    const old = new Client({ connectionString: url.toString() });
    await old.connect();
    await old.query(fixture('release-0b6707d.postgres.sql'));
    await old.end();

    const raw = await PostgresStore.open(url.toString());
    try {
      await expectUpgraded(raw);
    } finally {
      await raw.close();
    }
    const check = new Client({ connectionString: url.toString() });
    await check.connect();
    try {
      const { rows } = await check.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
      );
      expect(rows.map((row) => row.tablename)).toContain('credentials');
      expect(rows.map((row) => row.tablename)).not.toContain('authenticators');
    } finally {
      await check.end();
    }
  });
});
