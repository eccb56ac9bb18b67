import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EncryptingStore } from '../../adapters/crypto/encrypting-store.js';
import { MemoryStore } from '../../adapters/memory/store.js';
import { migrate, migrations, SchemaTooNewError, schemaVersion } from '../../adapters/sqlite/migrations.js';
import { SqliteStore } from '../../adapters/sqlite/store.js';
import type { Store } from '../../gateway/ports.js';
import { at, code, historyEntry, mobile, temporaryCode } from './fixtures.js';
import { describeStoreContract } from './store-contract.js';

const directory = mkdtempSync(join(tmpdir(), 'stepgate-store-'));
const files = new WeakMap<Store, string>();
let opened = 0;

afterAll(() => rmSync(directory, { recursive: true, force: true }));

function openFile(): Store {
  opened += 1;
  const path = join(directory, `contract-${opened}.db`);
  const store = SqliteStore.open(path);
  files.set(store, path);
  return store;
}

function removeFile(store: Store): void {
  const path = files.get(store);
  // WAL mode keeps two companion files next to the database.
  if (path !== undefined) for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

// A fixed test key: the contract holds the same through the encryption decorator.
const KEY = Buffer.alloc(32, 7);

async function encrypting(inner: Store): Promise<Store> {
  const store = await EncryptingStore.open(inner, KEY);
  const path = files.get(inner);
  if (path !== undefined) files.set(store, path);
  return store;
}

describeStoreContract('MemoryStore', () => new MemoryStore());
describeStoreContract('SqliteStore (file)', openFile, removeFile);
describeStoreContract('SqliteStore (:memory:)', () => SqliteStore.open(':memory:'));
describeStoreContract('EncryptingStore(MemoryStore)', () => encrypting(new MemoryStore()));
describeStoreContract('EncryptingStore(SqliteStore file)', () => encrypting(openFile()), removeFile);

describe('SqliteStore on a file', () => {
  let count = 0;
  const newPath = (): string => {
    count += 1;
    return join(directory, `sqlite-${count}`, 'nested', 'stepgate.db');
  };

  it('creates missing parent directories and uses WAL mode', async () => {
    const path = newPath();
    await SqliteStore.open(path).close();
    const db = new Database(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('keeps data when the file is reopened', async () => {
    const path = newPath();
    const first = SqliteStore.open(path);
    await first.saveMobile(mobile());
    await first.appendHistory(historyEntry());
    await first.close();
    const second = SqliteStore.open(path);
    expect(await second.getMobile('user-1')).toEqual(mobile());
    expect(await second.queryHistory({ limit: 10 })).toHaveLength(1);
    await second.close();
  });

  it('keeps atomic operations atomic between two connections to one file', async () => {
    const path = newPath();
    const [one, two] = [SqliteStore.open(path), SqliteStore.open(path)];
    await one.saveCode(code({ id: 'shared' }));
    expect(await two.consumeCode('shared', at(1))).toBe(true);
    expect(await one.consumeCode('shared', at(1))).toBe(false);
    await one.issueTemporaryCode(temporaryCode({ hash: 'first' }));
    await two.issueTemporaryCode(temporaryCode({ hash: 'second', issuedAt: at(1) }));
    await two.expireTemporaryCode('user-1', at(2));
    expect(await one.getActiveTemporaryCode('user-1', at(3))).toBeUndefined();
    await Promise.all([one.close(), two.close()]);
  });

  it('refuses a database written by a newer stepgate, and leaves it alone', async () => {
    const path = newPath();
    await SqliteStore.open(path).close();
    const db = new Database(path);
    db.prepare(
      "INSERT INTO schema_migrations VALUES (99, 'from the future', '2031-01-01T00:00:00.000Z')",
    ).run();
    db.close();
    const known = migrations.at(-1)?.version;
    expect(() => SqliteStore.open(path)).toThrow(
      `store: database schema version 99 is newer than this stepgate (${known}); upgrade stepgate`,
    );
    expect(() => SqliteStore.open(path)).toThrow(SchemaTooNewError);
    const after = new Database(path);
    expect(schemaVersion(after)).toBe(99);
    after.close();
  });
});

describe('SQLite migrations', () => {
  let db: Database.Database;
  const latest = migrations.at(-1)?.version ?? 0;
  const versions = (): number[] =>
    db
      .prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version')
      .all()
      .map((row) => row.version);
  const tableExists = (name: string): boolean =>
    db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !== undefined;

  beforeEach(() => {
    db = new Database(':memory:');
  });

  afterEach(() => {
    db.close();
  });

  it('applies every migration to a new database, then nothing the second time', () => {
    expect(migrate(db)).toEqual(migrations.map((migration) => migration.version));
    expect(migrate(db)).toEqual([]);
    expect(versions()).toEqual(migrations.map((migration) => migration.version));
    const row = db.prepare<[], { name: string; applied_at: string }>('SELECT * FROM schema_migrations').get();
    expect(row?.name).toBe('initial schema');
    expect(new Date(row?.applied_at ?? '').getTime()).not.toBeNaN();
  });

  it('creates every table STRICT', () => {
    migrate(db);
    const tables = db
      .prepare<[], { name: string; strict: number }>(
        "SELECT name, strict FROM pragma_table_list WHERE schema = 'main'",
      )
      .all()
      .filter((table) => !table.name.startsWith('sqlite_'));
    expect(tables.map((table) => table.name).sort()).toEqual([
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
    expect(tables.filter((table) => table.strict !== 1)).toEqual([]);
  });

  it('applies only the pending migrations, in order', () => {
    migrate(db);
    const later = [
      ...migrations,
      { version: latest + 1, name: 'second', up: 'CREATE TABLE second (x INTEGER) STRICT' },
    ];
    expect(migrate(db, later)).toEqual([latest + 1]);
    expect(tableExists('second')).toBe(true);
    expect(migrate(db, later)).toEqual([]);
  });

  it('brings a database at version 1 up to date, keeping its rows', () => {
    migrate(db, migrations.slice(0, 1));
    db.prepare(
      "INSERT INTO mobiles (username, phone, source, updated_at) VALUES ('user-1', '+14155550100', 'self', 0)",
    ).run();
    expect(migrate(db)).toEqual(migrations.slice(1).map((migration) => migration.version));
    expect(tableExists('settings')).toBe(true);
    expect(db.prepare('SELECT phone FROM mobiles').pluck().get()).toBe('+14155550100');
  });

  it('rolls back a failing migration alone, keeping the ones before it', () => {
    const failing = [
      ...migrations,
      { version: latest + 1, name: 'good', up: 'CREATE TABLE good (x INTEGER) STRICT' },
      {
        version: latest + 2,
        name: 'bad',
        up: 'CREATE TABLE half (x INTEGER) STRICT; INSERT INTO missing VALUES (1)',
      },
    ];
    expect(() => migrate(db, failing)).toThrow(/missing/);
    expect(versions().at(-1)).toBe(latest + 1);
    expect(tableExists('good')).toBe(true);
    expect(tableExists('half')).toBe(false);
  });

  it('refuses a list whose versions do not increase', () => {
    const muddled = [...migrations, { version: 1, name: 'again', up: 'SELECT 1' }];
    expect(() => migrate(db, muddled)).toThrow(/must increase/);
  });
});
