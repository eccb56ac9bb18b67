import type { Pool, PoolClient } from 'pg';
import { assertOrdered, SchemaTooNewError, type Migration as SqlMigration } from '../sql/migrations.js';
import { canonicalUsernameSteps, type Step } from '../sql/usernames.js';
import { inTransaction, withClient } from './transaction.js';
import { toInteger } from './values.js';

/** A migration in SQL, or in code given the migration's connection (inside its transaction). */
export type Migration = SqlMigration<(client: PoolClient) => Promise<void>>;

export { SchemaTooNewError };

/**
 * The SQLite schema's history translated one-for-one, version for version and name for name (a test
 * holds the two lists together): INTEGER epoch milliseconds become BIGINT, `INTEGER PRIMARY KEY`
 * becomes `BIGINT GENERATED ALWAYS AS IDENTITY`. Append only: a released migration is never edited.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    up: `
      CREATE TABLE mobiles (
        username TEXT PRIMARY KEY,
        phone TEXT,
        verified_at BIGINT,
        source TEXT NOT NULL,
        removed_source_phone TEXT,
        updated_at BIGINT NOT NULL
      );

      CREATE TABLE authenticators (
        username TEXT PRIMARY KEY,
        secret TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_used_step BIGINT
      );

      CREATE TABLE remembered_networks (
        username TEXT NOT NULL,
        network TEXT NOT NULL,
        first_used_at BIGINT NOT NULL,
        last_used_at BIGINT NOT NULL,
        method TEXT NOT NULL,
        PRIMARY KEY (username, network)
      );

      -- seq keeps insertion order, so two codes created in the same millisecond still have a newest.
      CREATE TABLE one_time_codes (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        username TEXT NOT NULL,
        purpose TEXT NOT NULL,
        method TEXT NOT NULL,
        hash TEXT NOT NULL,
        destination TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        max_attempts INTEGER NOT NULL,
        consumed_at BIGINT
      );
      CREATE INDEX one_time_codes_latest ON one_time_codes (username, purpose, created_at);
      CREATE INDEX one_time_codes_expiry ON one_time_codes (expires_at);

      -- Every issued code stays (expired or not) so issues per hour can be counted.
      CREATE TABLE temporary_codes (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        username TEXT NOT NULL,
        hash TEXT NOT NULL,
        issued_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        issued_by TEXT NOT NULL,
        expired_at BIGINT
      );
      CREATE INDEX temporary_codes_issued ON temporary_codes (username, issued_at);

      CREATE TABLE permission_set_assignments (
        username TEXT NOT NULL,
        permission_set TEXT NOT NULL,
        assigned_at BIGINT NOT NULL,
        assigned_by TEXT NOT NULL,
        PRIMARY KEY (username, permission_set)
      );

      CREATE TABLE registration_declines (
        username TEXT PRIMARY KEY,
        declined_at BIGINT NOT NULL
      );

      -- An identity never hands out an id twice, even after pruning, so a paging cursor stays meaningful.
      CREATE TABLE verification_history (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        occurred_at BIGINT NOT NULL,
        username TEXT NOT NULL,
        method TEXT NOT NULL,
        status TEXT NOT NULL,
        triggered_by TEXT,
        source_ip TEXT,
        login TEXT,
        entry_point TEXT,
        user_agent TEXT,
        detail TEXT
      );
      CREATE INDEX verification_history_user_time ON verification_history (username, occurred_at);
      CREATE INDEX verification_history_time ON verification_history (occurred_at);
    `,
  },
  {
    version: 2,
    name: 'settings',
    up: `
      CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'usernames in canonical form',
    // The same statements as SQLite's, made in TypeScript so both fold case the same way.
    up: (client) => runSteps(client, canonicalUsernameSteps()),
  },
  {
    version: 4,
    name: 'credentials',
    // As in SQLite: authenticator secrets move in unopened, keeping their old column's binding.
    up: `
      CREATE TABLE credentials (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        type TEXT NOT NULL,
        name TEXT,
        data TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT,
        counter BIGINT
      );
      CREATE INDEX credentials_user ON credentials (username, type, created_at);

      INSERT INTO credentials (id, username, type, name, data, created_at, last_used_at, counter)
        SELECT gen_random_uuid()::text, username, 'authenticator', NULL, secret, created_at, NULL,
               last_used_step
        FROM authenticators;
      DROP TABLE authenticators;
    `,
  },
  {
    version: 5,
    name: 'history hash chain',
    // As in SQLite: earlier entries keep their id as their seq, unhashed, before the chain's start.
    up: `
      ALTER TABLE verification_history
        ADD COLUMN seq BIGINT,
        ADD COLUMN key_id TEXT,
        ADD COLUMN prev_hash TEXT,
        ADD COLUMN hash TEXT;
      UPDATE verification_history SET seq = id;
      CREATE UNIQUE INDEX verification_history_seq ON verification_history (seq);

      CREATE TABLE history_chain (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        start_seq BIGINT NOT NULL,
        head_seq BIGINT NOT NULL,
        head_hash TEXT,
        anchor_seq BIGINT NOT NULL,
        anchor_hash TEXT
      );
      INSERT INTO history_chain (id, start_seq, head_seq, head_hash, anchor_seq, anchor_hash)
        SELECT 1, COALESCE(MAX(id), 0), COALESCE(MAX(id), 0), NULL, 0, NULL FROM verification_history;
    `,
  },
];

/** Runs a generator of statements (`?` placeholders become `$1`, `$2`...), handing each query's rows back. */
async function runSteps(client: PoolClient, steps: Generator<Step, void, Record<string, unknown>[]>) {
  let next = steps.next([]);
  while (!next.done) {
    let index = 0;
    const sql = next.value.sql.replaceAll('?', () => `$${(index += 1)}`);
    const result = await client.query<Record<string, unknown>>(sql, [...next.value.params]);
    next = steps.next(next.value.rows ? result.rows : []);
  }
}

/**
 * Every instance starting against one database takes this transaction-level advisory lock before
 * it looks at or changes the schema, so two instances starting together never both apply a
 * migration (CREATE TABLE IF NOT EXISTS alone races in PostgreSQL). Arbitrary, fixed: "stepgate".
 */
const MIGRATION_LOCK = 0x7374_6570_6761;

/**
 * Applies pending migrations in order, each in its own transaction; returns the versions applied.
 * Refuses (SchemaTooNewError) a database written by a newer stepgate, without changing it.
 */
export async function migrate(pool: Pool, list: readonly Migration[] = migrations): Promise<number[]> {
  assertOrdered(list);
  const known = list.at(-1)?.version ?? 0;
  return withClient(pool, async (client) => {
    const current = await locked(client, async () => {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
      return schemaVersion(client);
    });
    if (current > known) throw new SchemaTooNewError(current, known);
    const applied: number[] = [];
    for (const migration of list) {
      if (migration.version > current && (await applyOne(client, migration))) applied.push(migration.version);
    }
    return applied;
  });
}

/** The highest applied version, 0 for a new database. */
export async function schemaVersion(client: Pool | PoolClient): Promise<number> {
  const { rows } = await client.query<{ version: number | null }>(
    'SELECT max(version) AS version FROM schema_migrations',
  );
  return toInteger(rows[0]?.version ?? 0);
}

async function applyOne(client: PoolClient, migration: Migration): Promise<boolean> {
  return locked(client, async () => {
    // Another instance may have applied it since we looked; the lock makes this check reliable.
    const done = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
      migration.version,
    ]);
    if (done.rowCount !== 0) return false;
    if (typeof migration.up === 'string') await client.query(migration.up);
    else await migration.up(client);
    await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
      migration.version,
      migration.name,
    ]);
    return true;
  });
}

/** Runs `work` in a transaction that first takes the migration lock. */
async function locked<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  return inTransaction(client, async () => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    return work();
  });
}
