/**
 * A store made by the previous schema (version 2), holding one person under several spellings,
 * opened by this stepgate: migration 3 moves every row to the canonical spelling, in SQLite and
 * PostgreSQL alike, and the numbers and secrets sealed with the old spelling move once the store
 * is open with its key (adapters/sql/usernames.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { Client, Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptingStore } from '../../adapters/crypto/encrypting-store.js';
import { authenticatorCredential } from '../../gateway/factors/authenticator/index.js';
import {
  migrate as migratePostgres,
  migrations as postgresMigrations,
} from '../../adapters/postgres/migrations.js';
import { PostgresStore } from '../../adapters/postgres/store.js';
import {
  migrate as migrateSqlite,
  migrations as sqliteMigrations,
} from '../../adapters/sqlite/migrations.js';
import { SqliteStore } from '../../adapters/sqlite/store.js';
import { moveSealedRecords } from '../../adapters/sql/usernames.js';
import type { Store } from '../../gateway/ports.js';

const EMAIL_OPTION = 'Email-Based Identity Confirmation Option';

/** What stepgate wrote before usernames had one spelling; the same SQL runs in both dialects. */
const PREVIOUS_ROWS = `
  INSERT INTO remembered_networks (username, network, first_used_at, last_used_at, method) VALUES
    ('MZhang', '203.0.113.7/32', 1000, 9000, 'sms'),
    ('mzhang', '203.0.113.7/32', 2000, 5000, 'email'),
    ('MZHANG', '198.51.100.0/24', 3000, 4000, 'sms'),
    ('ZOË', '192.0.2.1/32', 1000, 2000, 'email');
  INSERT INTO permission_set_assignments (username, permission_set, assigned_at, assigned_by) VALUES
    ('MZhang', '${EMAIL_OPTION}', 1000, 'helpdesk-1'),
    ('mzhang', '${EMAIL_OPTION}', 2000, 'helpdesk-2');
  INSERT INTO registration_declines (username, declined_at) VALUES ('MZhang', 7000), ('MZHANG', 3000);
  INSERT INTO one_time_codes
    (id, username, purpose, method, hash, destination, created_at, expires_at, attempts, max_attempts)
    VALUES ('code-1', 'MZhang', 'confirm', 'sms', 'hash', '+14155550102', 1000, 601000, 2, 5);
  INSERT INTO temporary_codes (username, hash, issued_at, expires_at, issued_by) VALUES
    ('MZHANG', 'temporary-hash', 1000, 3601000, 'helpdesk-1');
  INSERT INTO verification_history (occurred_at, username, method, status) VALUES
    (1000, 'MZhang', 'sms', 'Initiated'),
    (2000, 'mzhang', 'sms', 'Succeeded'),
    (3000, 'MZHANG', 'email', 'Initiated'),
    (4000, 'mo.zhang@corp.example', 'sms', 'Initiated');
`;

/** What the store answers once migrated, through the port. */
async function expectOnePerson(store: Store): Promise<void> {
  const networks = await store.listRememberedNetworks('mzhang');
  expect(networks.map((n) => [n.network, n.lastUsedAt.getTime(), n.method]).toSorted()).toEqual([
    ['198.51.100.0/24', 4000, 'sms'],
    ['203.0.113.7/32', 9000, 'sms'], // of two rows for one network, the one used last
  ]);
  expect(await store.listRememberedNetworks('MZhang')).toEqual([]);
  expect((await store.listRememberedNetworks('zoë')).map((n) => n.network)).toEqual(['192.0.2.1/32']);

  expect(
    (await store.listPermissionSetAssignments('mzhang')).map((a) => [a.permissionSet, a.assignedBy]),
  ).toEqual([[EMAIL_OPTION, 'helpdesk-2']]);
  expect((await store.getRegistrationDecline('mzhang'))?.getTime()).toBe(7000);
  expect((await store.getLatestCode('mzhang', 'confirm'))?.id).toBe('code-1');
  expect(await store.countTemporaryCodesIssuedSince('mzhang', new Date(0))).toBe(1);

  const history = await store.queryHistory({ user: 'mzhang', limit: 10 });
  expect(history.map((entry) => entry.time.getTime())).toEqual([3000, 2000, 1000]);
  // Another name the person typed is not a spelling of this one: it stays as it was.
  expect(await store.queryHistory({ user: 'mo.zhang@corp.example', limit: 10 })).toHaveLength(1);
  const everyone = await store.queryHistory({ limit: 10 });
  expect(everyone.every((entry) => entry.user === entry.user.toLowerCase())).toBe(true);
}

describe('SQLite: a store of schema version 2', () => {
  function previousStore(): string {
    const path = join(mkdtempSync(join(tmpdir(), 'stepgate-usernames-')), 'stepgate.db');
    const db = new Database(path);
    expect(migrateSqlite(db, sqliteMigrations.slice(0, 2))).toEqual([1, 2]);
    db.exec(PREVIOUS_ROWS);
    db.close();
    return path;
  }

  it('is moved to canonical usernames when this stepgate opens it', async () => {
    const store = SqliteStore.open(previousStore());
    try {
      await expectOnePerson(store);
    } finally {
      await store.close();
    }
  });
});

describe('PostgreSQL: a store of schema version 2', () => {
  const serverUrl = process.env.STEPGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = `stepgate_usernames_${randomBytes(6).toString('hex')}`;
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  let server: Client | undefined;

  beforeAll(async () => {
    server = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
    await server.connect();
    await server.query(`CREATE DATABASE ${database}`);
  });
  afterAll(async () => {
    await server?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await server?.end();
  });

  it('is moved to canonical usernames when this stepgate opens it', async () => {
    const pool = new Pool({ connectionString: url.toString(), max: 1 });
    try {
      expect(await migratePostgres(pool, postgresMigrations.slice(0, 2))).toEqual([1, 2]);
      await pool.query(PREVIOUS_ROWS);
    } finally {
      await pool.end();
    }
    const store = await PostgresStore.open(url.toString());
    try {
      await expectOnePerson(store);
    } finally {
      await store.close();
    }
  });
});

describe('mobile numbers and credentials sealed under another spelling', () => {
  const KEY = Buffer.alloc(32, 7);

  async function sealedUnderOldSpellings(): Promise<SqliteStore> {
    const raw = SqliteStore.open(':memory:');
    const sealed = await EncryptingStore.open(raw, KEY);
    const old = new Date(1000);
    const newer = new Date(2000);
    await sealed.saveMobile({
      user: 'MZhang',
      phone: '+14155550102',
      verifiedAt: old,
      source: 'self',
      removedSourcePhone: null,
      updatedAt: newer,
    });
    await sealed.saveMobile({
      user: 'MZHANG',
      phone: '+14155550199',
      verifiedAt: old,
      source: 'self',
      removedSourcePhone: null,
      updatedAt: old,
    });
    await sealed.saveCredential(
      authenticatorCredential({
        user: 'MZhang',
        secret: 'JBSWY3DPEHPK3PXP',
        createdAt: old,
        lastUsedStep: 7,
      }),
    );
    return raw;
  }

  it('move once the store is open with its key: the newest number, the secret, readable', async () => {
    const raw = await sealedUnderOldSpellings();
    const store = await EncryptingStore.open(raw, KEY);
    expect(await moveSealedRecords(store)).toBe(3);
    expect(await store.getMobile('mzhang')).toMatchObject({
      phone: '+14155550102',
      verifiedAt: new Date(1000),
    });
    expect(await store.listCredentials('mzhang')).toMatchObject([
      { type: 'authenticator', data: 'JBSWY3DPEHPK3PXP', counter: 7 },
    ]);
    // The old rows hold nothing any more, and a second start moves nothing.
    expect((await store.getMobile('MZhang'))?.phone).toBeNull();
    expect(await store.listCredentials('MZhang')).toEqual([]);
    expect(await moveSealedRecords(store)).toBe(0);
    await store.close();
  });

  it('stay where they are while the store is open without its key, to move at the next start with it', async () => {
    const raw = await sealedUnderOldSpellings();
    expect(await moveSealedRecords(raw)).toBe(0);
    expect(await raw.getMobile('mzhang')).toBeUndefined();
    const store = await EncryptingStore.open(raw, KEY);
    expect(await moveSealedRecords(store)).toBe(3);
    expect((await store.getMobile('mzhang'))?.phone).toBe('+14155550102');
    await store.close();
  });
});
