import type Database from 'better-sqlite3';
import { assertOrdered, SchemaTooNewError, type Migration as SqlMigration } from '../sql/migrations.js';
import { canonicalUsernameSteps, type Step } from '../sql/usernames.js';

/** A migration in SQL, or in code given the database (inside the migration's transaction). */
export type Migration = SqlMigration<(db: Database.Database) => void>;

export { SchemaTooNewError };

/**
 * The schema's history, append only: a released migration is never edited, because databases in
 * the field have already run it.
 *
 * Written to translate one-for-one to PostgreSQL: times are INTEGER epoch milliseconds (BIGINT),
 * `INTEGER PRIMARY KEY AUTOINCREMENT` becomes `BIGINT GENERATED ALWAYS AS IDENTITY`, and users are
 * `username` because `user` is reserved there. Enumerations (status, method, ...) carry no CHECK:
 * widening one in SQLite means rebuilding the table, and the port's types already narrow them.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    up: `
      CREATE TABLE mobiles (
        username TEXT PRIMARY KEY,
        phone TEXT,
        verified_at INTEGER,
        source TEXT NOT NULL,
        removed_source_phone TEXT,
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE authenticators (
        username TEXT PRIMARY KEY,
        secret TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_used_step INTEGER
      ) STRICT;

      CREATE TABLE remembered_networks (
        username TEXT NOT NULL,
        network TEXT NOT NULL,
        first_used_at INTEGER NOT NULL,
        last_used_at INTEGER NOT NULL,
        method TEXT NOT NULL,
        PRIMARY KEY (username, network)
      ) STRICT;

      -- seq keeps insertion order, so two codes created in the same millisecond still have a newest.
      CREATE TABLE one_time_codes (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        username TEXT NOT NULL,
        purpose TEXT NOT NULL,
        method TEXT NOT NULL,
        hash TEXT NOT NULL,
        destination TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        max_attempts INTEGER NOT NULL,
        consumed_at INTEGER
      ) STRICT;
      CREATE INDEX one_time_codes_latest ON one_time_codes (username, purpose, created_at);
      CREATE INDEX one_time_codes_expiry ON one_time_codes (expires_at);

      -- Every issued code stays (expired or not) so issues per hour can be counted.
      CREATE TABLE temporary_codes (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL,
        hash TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        issued_by TEXT NOT NULL,
        expired_at INTEGER
      ) STRICT;
      CREATE INDEX temporary_codes_issued ON temporary_codes (username, issued_at);

      CREATE TABLE permission_set_assignments (
        username TEXT NOT NULL,
        permission_set TEXT NOT NULL,
        assigned_at INTEGER NOT NULL,
        assigned_by TEXT NOT NULL,
        PRIMARY KEY (username, permission_set)
      ) STRICT;

      CREATE TABLE registration_declines (
        username TEXT PRIMARY KEY,
        declined_at INTEGER NOT NULL
      ) STRICT;

      -- AUTOINCREMENT: ids are never reused, even after pruning, so a paging cursor stays meaningful.
      CREATE TABLE verification_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        occurred_at INTEGER NOT NULL,
        username TEXT NOT NULL,
        method TEXT NOT NULL,
        status TEXT NOT NULL,
        triggered_by TEXT,
        source_ip TEXT,
        login TEXT,
        entry_point TEXT,
        user_agent TEXT,
        detail TEXT
      ) STRICT;
      CREATE INDEX verification_history_user_time ON verification_history (username, occurred_at);
      CREATE INDEX verification_history_time ON verification_history (occurred_at);
    `,
  },
  {
    version: 2,
    name: 'settings',
    // Small values the store keeps for itself, such as the check value of the encryption key.
    up: `
      CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'usernames in canonical form',
    // One person, one identity (adapters/sql/usernames.ts): case folding beyond ASCII, which
    // SQLite's lower() lacks, so the statements are made in TypeScript.
    up: (db) => runSteps(db, canonicalUsernameSteps()),
  },
  {
    version: 4,
    name: 'credentials',
    // Every method's credentials in one table (gateway/ports/store.ts CredentialRecord). The
    // authenticator secrets move in as they are, sealed or not: a migration runs without the key,
    // so they keep the binding of their old column (adapters/crypto/fields.ts). Their last used
    // step becomes the counter; when they were last used was never kept.
    up: `
      CREATE TABLE credentials (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        type TEXT NOT NULL,
        name TEXT,
        data TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        counter INTEGER
      ) STRICT;
      CREATE INDEX credentials_user ON credentials (username, type, created_at);

      INSERT INTO credentials (id, username, type, name, data, created_at, last_used_at, counter)
        SELECT lower(hex(randomblob(16))), username, 'authenticator', NULL, secret, created_at, NULL,
               last_used_step
        FROM authenticators;
      DROP TABLE authenticators;
    `,
  },
  {
    version: 5,
    name: 'history hash chain',
    // docs/history.md. Entries of earlier releases keep their id as their place in the sequence
    // and get no hash: the chain starts after the newest of them (start_seq), and verification
    // counts them without vouching for them. The key is not here, so nothing is hashed now.
    up: `
      ALTER TABLE verification_history ADD COLUMN seq INTEGER;
      ALTER TABLE verification_history ADD COLUMN key_id TEXT;
      ALTER TABLE verification_history ADD COLUMN prev_hash TEXT;
      ALTER TABLE verification_history ADD COLUMN hash TEXT;
      UPDATE verification_history SET seq = id;
      CREATE UNIQUE INDEX verification_history_seq ON verification_history (seq);

      CREATE TABLE history_chain (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        start_seq INTEGER NOT NULL,
        head_seq INTEGER NOT NULL,
        head_hash TEXT,
        anchor_seq INTEGER NOT NULL,
        anchor_hash TEXT
      ) STRICT;
      INSERT INTO history_chain (id, start_seq, head_seq, head_hash, anchor_seq, anchor_hash)
        SELECT 1, COALESCE(MAX(id), 0), COALESCE(MAX(id), 0), NULL, 0, NULL FROM verification_history;
    `,
  },
];

/** Runs a generator of statements, handing the rows of each query back to it. */
function runSteps(db: Database.Database, steps: Generator<Step, void, Record<string, unknown>[]>): void {
  let next = steps.next([]);
  while (!next.done) {
    const { sql, params, rows } = next.value;
    const statement = db.prepare(sql);
    next = steps.next(
      rows ? (statement.all(...params) as Record<string, unknown>[]) : (statement.run(...params), []),
    );
  }
}

/** Applies pending migrations in order, each in its own transaction; returns the versions applied. */
export function migrate(db: Database.Database, list: readonly Migration[] = migrations): number[] {
  assertOrdered(list);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  const known = list.at(-1)?.version ?? 0;
  const current = schemaVersion(db);
  if (current > known) throw new SchemaTooNewError(current, known);
  const applied: number[] = [];
  for (const migration of list) {
    if (migration.version > current && applyOne(db, migration)) applied.push(migration.version);
  }
  return applied;
}

/** The highest applied version, 0 for a new database. */
export function schemaVersion(db: Database.Database): number {
  const row = db
    .prepare<[], { version: number | null }>('SELECT max(version) AS version FROM schema_migrations')
    .get();
  return row?.version ?? 0;
}

function applyOne(db: Database.Database, migration: Migration): boolean {
  const apply = db.transaction(() => {
    // Another process sharing the file may have applied it since we looked.
    const done = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version);
    if (done !== undefined) return false;
    if (typeof migration.up === 'string') db.exec(migration.up);
    else migration.up(db);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      migration.version,
      migration.name,
      new Date().toISOString(),
    );
    return true;
  });
  // IMMEDIATE takes the write lock before the check above, so two processes cannot both apply it.
  return apply.immediate();
}
