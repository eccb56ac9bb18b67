/**
 * The Store contract and PostgreSQL's own promises (migrations, atomicity between instances) on a
 * real server. Each run creates a throwaway database and drops it afterwards; each contract case
 * starts from emptied tables. No PostgreSQL is a failure, never a skip: CI provides one.
 */
import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations as sqliteMigrations } from '../../adapters/sqlite/migrations.js';
import { migrate, migrations, SchemaTooNewError, schemaVersion } from '../../adapters/postgres/migrations.js';
import { PostgresStore } from '../../adapters/postgres/store.js';
import { at, code, credential, temporaryCode } from './fixtures.js';
import { describeStoreContract } from './store-contract.js';

const serverUrl = process.env.STEPGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `stepgate_test_${randomBytes(6).toString('hex')}`;

/** The throwaway database's URL, optionally with its own schema first on the search path. */
function databaseUrl(schema?: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  if (schema !== undefined) url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

let server: Client | undefined;
let direct: Pool | undefined;
const pools: Pool[] = [];

/** A pool the test uses directly; all are ended before the database is dropped, even after a failure. */
function newPool(url: string, max: number): Pool {
  const pool = new Pool({ connectionString: url, max });
  // Dropping the database ends connections a failed test left open; that is no news.
  pool.on('error', () => undefined);
  pools.push(pool);
  return pool;
}

/** A connection to the throwaway database, for setting up and inspecting what the store did. */
function db(): Pool {
  if (direct === undefined) throw new Error('the test database is not ready');
  return direct;
}

beforeAll(async () => {
  const client = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    const where = new URL(serverUrl);
    where.password = '';
    throw new Error(
      `PostgreSQL is needed for these tests but ${where.toString()} cannot be reached ` +
        `(${(error as Error).message}); start it or set STEPGATE_TEST_POSTGRES_URL`,
      { cause: error },
    );
  }
  server = client;
  await client.query(`CREATE DATABASE ${database}`);
  direct = newPool(databaseUrl(), 2);
});

afterAll(async () => {
  await Promise.all(pools.filter((pool) => !pool.ended).map((pool) => pool.end()));
  // FORCE: a store a failed test left open must not keep the database alive.
  await server?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await server?.end();
});

/**
 * Empties every table but the schema's history, so a case starts as on a new database. DELETE, not
 * TRUNCATE: on these small tables it takes milliseconds where TRUNCATE's new files take a third of a second.
 */
async function emptyTables(): Promise<void> {
  const { rows } = await db().query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'",
  );
  await db().query(rows.map((row) => `DELETE FROM ${row.tablename};`).join('\n'));
}

async function openEmpty(): Promise<PostgresStore> {
  const store = await PostgresStore.open(databaseUrl());
  await emptyTables();
  return store;
}

describeStoreContract('PostgresStore', openEmpty);

describe('PostgreSQL migrations', () => {
  let schemas = 0;
  /** A new, empty schema: a database as stepgate finds it the first time. */
  async function emptySchema(): Promise<{ url: string; pool: Pool; name: string }> {
    schemas += 1;
    const name = `migrations_${schemas}`;
    await db().query(`CREATE SCHEMA ${name}`);
    const url = databaseUrl(name);
    return { url, name, pool: newPool(url, 2) };
  }
  const tablesIn = async (schema: string): Promise<string[]> =>
    (
      await db().query<{ tablename: string }>(
        'SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename',
        [schema],
      )
    ).rows.map((row) => row.tablename);

  it('keeps the same versions and names as the SQLite migrations', () => {
    const outline = (list: readonly { version: number; name: string }[]): [number, string][] =>
      list.map((m) => [m.version, m.name]);
    expect(outline(migrations)).toEqual(outline(sqliteMigrations));
  });

  it('applies every migration to a new database, then nothing the second time', async () => {
    const { pool, name } = await emptySchema();
    expect(await migrate(pool)).toEqual(migrations.map((migration) => migration.version));
    expect(await migrate(pool)).toEqual([]);
    const { rows } = await pool.query<{ version: number; name: string; applied_at: Date }>(
      'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
    );
    expect(rows.map((row) => [row.version, row.name])).toEqual(migrations.map((m) => [m.version, m.name]));
    expect(rows[0]?.applied_at).toBeInstanceOf(Date);
    expect(await tablesIn(name)).toEqual([
      'credentials',
      'history_chain',
      'mobiles',
      'one_time_codes',
      'permission_set_assignments',
      'registration_declines',
      'remembered_networks',
      'schema_migrations',
      'settings',
      'temporary_codes',
      'verification_history',
    ]);
  });

  it('applies each migration once when several instances start together', async () => {
    const { url, pool } = await emptySchema();
    const starting = Array.from({ length: 4 }, () => newPool(url, 1));
    const applied = await Promise.all(starting.map((each) => migrate(each)));
    expect(applied.flat().sort((a, b) => a - b)).toEqual(migrations.map((migration) => migration.version));
    const stores = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]);
    expect(await schemaVersion(pool)).toBe(migrations.at(-1)?.version);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('rolls back a failing migration alone, keeping the ones before it', async () => {
    const { pool, name } = await emptySchema();
    const failing = [
      ...migrations,
      { version: 90, name: 'good', up: 'CREATE TABLE good (x INTEGER)' },
      { version: 91, name: 'bad', up: 'CREATE TABLE half (x INTEGER); INSERT INTO missing VALUES (1)' },
    ];
    await expect(migrate(pool, failing)).rejects.toThrow(/missing/);
    expect(await schemaVersion(pool)).toBe(90);
    expect(await tablesIn(name)).toContain('good');
    expect(await tablesIn(name)).not.toContain('half');
  });

  it('refuses a database written by a newer stepgate, and leaves it alone', async () => {
    const { url, pool } = await emptySchema();
    await (await PostgresStore.open(url)).close();
    await pool.query("INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')");
    const known = migrations.at(-1)?.version;
    const opening = PostgresStore.open(url);
    await expect(opening).rejects.toThrow(
      `store: database schema version 99 is newer than this stepgate (${known}); upgrade stepgate`,
    );
    await expect(opening).rejects.toBeInstanceOf(SchemaTooNewError);
    expect(await schemaVersion(pool)).toBe(99);
  });
});

describe('PostgresStore between instances', () => {
  /** Two stores on one database, as two stepgate instances behind a load balancer. */
  async function twoInstances(): Promise<[PostgresStore, PostgresStore]> {
    const one = await openEmpty();
    return [one, await PostgresStore.open(databaseUrl())];
  }
  const closeAll = (stores: PostgresStore[]): Promise<void[]> => Promise.all(stores.map((s) => s.close()));

  it('leaves exactly one temporary code active when several are issued at once', async () => {
    const stores = await twoInstances();
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        stores[i % 2]?.issueTemporaryCode(temporaryCode({ hash: `hash-${i}`, issuedAt: at(i % 3) })),
      ),
    );
    const { rows } = await db().query(
      'SELECT hash FROM temporary_codes WHERE username = $1 AND expired_at IS NULL AND expires_at > $2',
      ['user-1', at(30).getTime()],
    );
    expect(rows).toHaveLength(1);
    expect(await stores[1].countTemporaryCodesIssuedSince('user-1', at(0))).toBe(12);
    await closeAll(stores);
  });

  it('consumes a code once when both instances take it at the same time', async () => {
    const stores = await twoInstances();
    await stores[0].saveCode(code({ id: 'shared' }));
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => stores[i % 2]?.consumeCode('shared', at(1))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    await closeAll(stores);
  });

  it("moves a credential's counter once across instances", async () => {
    const stores = await twoInstances();
    await stores[0].saveCredential(credential());
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        stores[i % 2]?.useCredential('user-1', 'credential-1', { at: at(1), counter: 2 ** 40 }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await stores[1].listCredentials('user-1'))[0]?.counter).toBe(2 ** 40);
    await closeAll(stores);
  });

  it('fails to open, and says so, when the server cannot be reached', async () => {
    const unreachable = new URL(databaseUrl());
    unreachable.port = '1';
    await expect(PostgresStore.open(unreachable.toString(), { connectTimeoutMs: 2000 })).rejects.toThrow(
      /ECONNREFUSED|connect/,
    );
  });

  it('fails a ping while the database refuses connections, and answers again afterwards', async () => {
    const store = await openEmpty();
    const admin = (): Client => {
      if (server === undefined) throw new Error('no server connection');
      return server;
    };
    await admin().query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    await admin().query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = $1 AND application_name = 'stepgate'`,
      [database],
    );
    await expect(store.ping()).rejects.toThrow();
    await admin().query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  });
});
