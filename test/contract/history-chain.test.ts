/**
 * The history's hash chain (docs/history.md) on every store: it verifies after appends and after
 * retention, and, on SQLite and PostgreSQL edited behind the store's back with SQL, names the entry
 * that was changed, removed or inserted. On PostgreSQL, two stores (two instances) appending at
 * once form one chain. A database made by the previous release's migrations keeps its entries,
 * before the chain. No PostgreSQL is a failure, never a skip.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client, Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../adapters/memory/store.js';
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
import { HistoryChain, HistoryKey } from '../../gateway/history-chain.js';
import type { HistoryVerification, StoredHistoryEntry, Store } from '../../gateway/ports.js';
import { at, historyEntry } from './fixtures.js';

const KEY = Buffer.alloc(32, 21);
const OLD_KEY = Buffer.alloc(32, 22);
const keyId = (key: Buffer) => new HistoryKey(key).id;

function chainOf(current: Buffer | undefined, old: Buffer[] = []): HistoryChain {
  return new HistoryChain(
    current && new HistoryKey(current),
    old.map((key) => new HistoryKey(key)),
  );
}

/** The release before the chain: schema version 3. */
const PREVIOUS_RELEASE = 3;

/** One database, opened as stores with the chain each asks for, and written to with SQL behind their back. */
interface ChainDatabase {
  open(chain: HistoryChain): Promise<Store>;
  sql(text: string, params?: unknown[]): Promise<void>;
}

interface Subject {
  name: string;
  /** A new database; with `previousRelease`, made by the previous release's migrations only. */
  fresh(options?: { previousRelease?: boolean }): Promise<ChainDatabase>;
}

const opened: Store[] = [];
afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()));
});
function kept<T extends Store>(store: T): T {
  opened.push(store);
  return store;
}

const directory = mkdtempSync(join(tmpdir(), 'stepgate-history-chain-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let files = 0;

const sqlite: Subject = {
  name: 'SqliteStore',
  async fresh(options = {}) {
    files += 1;
    const path = join(directory, `chain-${files}.db`);
    const db = new Database(path);
    if (options.previousRelease) {
      migrateSqlite(
        db,
        sqliteMigrations.filter((m) => m.version <= PREVIOUS_RELEASE),
      );
    }
    return {
      open: async (historyChain) => kept(SqliteStore.open(path, { historyChain })),
      sql: async (text, params = []) => {
        // The statements below are written with PostgreSQL's numbered parameters.
        const bound: unknown[] = [];
        const statement = text.replace(/\$(\d+)/g, (_, n: string) => {
          bound.push(params[Number(n) - 1]);
          return '?';
        });
        db.prepare(statement).run(...bound);
      },
    };
  },
};

const serverUrl = process.env.STEPGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `stepgate_chain_${randomBytes(6).toString('hex')}`;
let server: Client | undefined;
const pools: Pool[] = [];
let schemas = 0;

beforeAll(async () => {
  server = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await server.connect();
  await server.query(`CREATE DATABASE ${database}`);
});
afterAll(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
  await Promise.all(pools.map((pool) => pool.end()));
  await server?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await server?.end();
});

const postgres: Subject = {
  name: 'PostgresStore',
  async fresh(options = {}) {
    schemas += 1;
    const schema = `chain_${schemas}`;
    const url = new URL(serverUrl);
    url.pathname = `/${database}`;
    url.searchParams.set('options', `-c search_path=${schema}`);
    const pool = new Pool({ connectionString: url.toString(), max: 2 });
    pool.on('error', () => undefined);
    pools.push(pool);
    await pool.query(`CREATE SCHEMA ${schema}`);
    if (options.previousRelease) {
      await migratePostgres(
        pool,
        postgresMigrations.filter((m) => m.version <= PREVIOUS_RELEASE),
      );
    }
    return {
      open: async (historyChain) => kept(await PostgresStore.open(url.toString(), { historyChain })),
      sql: async (text, params = []) => void (await pool.query(text, params)),
    };
  },
};

const memory: Pick<Subject, 'name'> & { open(chain: HistoryChain): Promise<Store> } = {
  name: 'MemoryStore',
  open: async (historyChain) => new MemoryStore({ historyChain }),
};

async function appendMinutes(store: Store, minutes: number[]): Promise<void> {
  for (const minute of minutes) {
    await store.appendHistory(historyEntry({ time: at(minute), detail: `minute ${minute}` }));
  }
}

/** The entries in chain order. */
async function inChainOrder(store: Store): Promise<StoredHistoryEntry[]> {
  const entries = await store.queryHistory({ limit: 1000 });
  return entries.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
}

async function bySeq(store: Store, seq: number): Promise<StoredHistoryEntry> {
  const entry = (await inChainOrder(store)).find((e) => e.seq === seq);
  if (entry === undefined) throw new Error(`no entry seq ${seq}`);
  return entry;
}

const intact = (fields: Partial<HistoryVerification>) => ({ broken: null, beforeChain: 0, ...fields });

for (const subject of [memory, sqlite, postgres]) {
  const open =
    'open' in subject ? subject.open : async (chain: HistoryChain) => (await subject.fresh()).open(chain);

  describe(`history chain: ${subject.name}`, () => {
    it('links every entry to the one before it, and verifies them all', async () => {
      const store = await open(chainOf(KEY));
      await appendMinutes(store, [0, 1, 2, 3, 4]);
      const entries = await inChainOrder(store);
      expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(new Set(entries.map((e) => e.keyId))).toEqual(new Set([keyId(KEY)]));
      expect(entries.map((e) => e.prevHash)).toEqual([null, ...entries.slice(0, -1).map((e) => e.hash)]);
      for (const e of entries) expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(await store.verifyHistory()).toEqual(
        intact({ checked: 5, firstSeq: 1, lastSeq: 5, anchor: { seq: 0, hash: null } }),
      );
    });

    it('prunes from the start, records where the chain resumes, and still verifies', async () => {
      const store = await open(chainOf(KEY));
      await appendMinutes(store, [0, 1, 2, 3, 4]);
      const second = await bySeq(store, 2);
      expect(await store.pruneHistory(at(2))).toBe(2);
      expect(await store.verifyHistory()).toEqual(
        intact({ checked: 3, firstSeq: 3, lastSeq: 5, anchor: { seq: 2, hash: second.hash } }),
      );
      await appendMinutes(store, [5]);
      const sixth = await bySeq(store, 6);
      expect(await store.pruneHistory(at(100))).toBe(4);
      expect(await store.verifyHistory()).toEqual(
        intact({ checked: 0, firstSeq: null, lastSeq: null, anchor: { seq: 6, hash: sixth.hash } }),
      );
      await appendMinutes(store, [101]);
      expect(await store.verifyHistory()).toMatchObject(intact({ checked: 1, firstSeq: 7, lastSeq: 7 }));
    });

    it('refuses to verify without a history key', async () => {
      const store = await open(chainOf(undefined));
      await appendMinutes(store, [0]);
      expect((await inChainOrder(store)).map((e) => [e.seq, e.keyId, e.hash])).toEqual([[1, null, null]]);
      await expect(store.verifyHistory()).rejects.toMatchObject({ status: 409, code: 'history_key_missing' });
    });
  });
}

for (const subject of [sqlite, postgres]) {
  describe(`history chain edited behind the store's back: ${subject.name}`, () => {
    async function fiveEntries(): Promise<{
      db: ChainDatabase;
      store: Store;
      entries: StoredHistoryEntry[];
    }> {
      const db = await subject.fresh();
      const store = await db.open(chainOf(KEY));
      await appendMinutes(store, [0, 1, 2, 3, 4]);
      return { db, store, entries: await inChainOrder(store) };
    }

    it('names an entry whose field was changed', async () => {
      const { db, store, entries } = await fiveEntries();
      await db.sql("UPDATE verification_history SET status = 'FailedInvalidCode' WHERE seq = 3");
      expect((await store.verifyHistory()).broken).toEqual({
        kind: 'changed',
        seq: 3,
        id: entries[2]?.id,
        message: `entry seq 3 (id ${entries[2]?.id}) was changed: its hash does not match its content`,
      });
    });

    it('names an entry that was removed', async () => {
      const { db, store } = await fiveEntries();
      await db.sql('DELETE FROM verification_history WHERE seq = 3');
      expect((await store.verifyHistory()).broken).toEqual({
        kind: 'removed',
        seq: 3,
        id: null,
        message: 'entry seq 3 was removed',
      });
    });

    it('names the newest entries when they were removed', async () => {
      const { db, store } = await fiveEntries();
      await db.sql('DELETE FROM verification_history WHERE seq >= 4');
      expect((await store.verifyHistory()).broken).toMatchObject({
        kind: 'removed',
        seq: 4,
        message: 'entries seq 4 to 5 were removed',
      });
    });

    it('names an entry that was inserted', async () => {
      const { db, store } = await fiveEntries();
      await db.sql(
        `INSERT INTO verification_history (occurred_at, username, method, status)
         VALUES ($1, 'user-1', 'sms', 'Succeeded')`,
        [at(2).getTime()],
      );
      const [inserted] = (await store.queryHistory({ limit: 10 })).filter((e) => e.seq === null);
      expect((await store.verifyHistory()).broken).toEqual({
        kind: 'inserted',
        seq: null,
        id: inserted?.id,
        message: `entry id ${inserted?.id} was inserted: it has no sequence number, so stepgate did not write it`,
      });
    });

    it('names an entry inserted after the newest one, even with a copied hash', async () => {
      const { db, store, entries } = await fiveEntries();
      const newest = entries[4];
      await db.sql(
        `INSERT INTO verification_history (occurred_at, username, method, status, seq, key_id, prev_hash, hash)
         VALUES ($1, 'user-1', 'sms', 'Succeeded', 6, $2, $3, $3)`,
        [at(5).getTime(), newest?.keyId, newest?.hash],
      );
      const inserted = await bySeq(store, 6);
      expect((await store.verifyHistory()).broken).toEqual({
        kind: 'inserted',
        seq: 6,
        id: inserted.id,
        message: `entry seq 6 (id ${inserted.id}) was inserted after the newest entry (seq 5)`,
      });
    });

    it('names an entry removed after retention, in the middle or right after the anchor', async () => {
      const { db, store } = await fiveEntries();
      expect(await store.pruneHistory(at(2))).toBe(2);
      await db.sql('DELETE FROM verification_history WHERE seq = 4');
      expect((await store.verifyHistory()).broken).toMatchObject({ kind: 'removed', seq: 4 });
      await db.sql('DELETE FROM verification_history WHERE seq = 3');
      expect((await store.verifyHistory()).broken).toMatchObject({
        kind: 'removed',
        message: 'entries seq 3 to 4 were removed',
      });
    });

    it("names the chain's record when it was removed, and never takes what retention did on trust", async () => {
      const { db, store } = await fiveEntries();
      expect(await store.pruneHistory(at(2))).toBe(2);
      await db.sql('DELETE FROM history_chain');
      expect((await store.verifyHistory()).broken).toEqual({
        kind: 'removed',
        seq: null,
        id: null,
        message: "the chain's record (where it starts, resumes and ends) was removed",
      });
      // Written again by the next append, it no longer knows where retention left the chain.
      await appendMinutes(store, [5]);
      expect((await store.verifyHistory()).broken).toMatchObject({
        kind: 'removed',
        message: 'entries seq 1 to 2 were removed',
      });
      expect((await inChainOrder(store)).map((e) => e.seq)).toEqual([3, 4, 5, 6]);
    });

    it('names an entry written without the key, and holds again once retention deleted it', async () => {
      const db = await subject.fresh();
      await appendMinutes(await db.open(chainOf(KEY)), [0, 1]);
      await appendMinutes(await db.open(chainOf(undefined)), [2]);
      const store = await db.open(chainOf(KEY));
      await appendMinutes(store, [3]);
      const unchained = await bySeq(store, 3);
      expect((await store.verifyHistory()).broken).toEqual({
        kind: 'unchained',
        seq: 3,
        id: unchained.id,
        message: `entry seq 3 (id ${unchained.id}) has no hash: it was written without a history key (STEPGATE_HISTORY_KEY), or its hash was removed`,
      });
      expect(await store.pruneHistory(at(3))).toBe(3);
      expect(await store.verifyHistory()).toEqual(
        intact({ checked: 1, firstSeq: 4, lastSeq: 4, anchor: { seq: 3, hash: null } }),
      );
    });

    it('checks the entries of an earlier key with the old keys given, and names them without', async () => {
      const db = await subject.fresh();
      await appendMinutes(await db.open(chainOf(OLD_KEY)), [0, 1]);
      await appendMinutes(await db.open(chainOf(KEY, [OLD_KEY])), [2, 3]);
      const rotated = await db.open(chainOf(KEY, [OLD_KEY]));
      expect((await inChainOrder(rotated)).map((e) => e.keyId)).toEqual([
        keyId(OLD_KEY),
        keyId(OLD_KEY),
        keyId(KEY),
        keyId(KEY),
      ]);
      expect(await rotated.verifyHistory()).toMatchObject(intact({ checked: 4 }));
      const first = await bySeq(rotated, 1);
      expect((await (await db.open(chainOf(KEY))).verifyHistory()).broken).toEqual({
        kind: 'unknown_key',
        seq: 1,
        id: first.id,
        message: `entry seq 1 (id ${first.id}) was chained with history key ${keyId(OLD_KEY)}, which is neither STEPGATE_HISTORY_KEY nor one of STEPGATE_HISTORY_OLD_KEYS`,
      });
    });
  });

  describe(`history chain on a store of the previous release: ${subject.name}`, () => {
    it('keeps the earlier entries before the chain, and chains what follows', async () => {
      const db = await subject.fresh({ previousRelease: true });
      await db.sql(`INSERT INTO verification_history (occurred_at, username, method, status, detail) VALUES
        (1000, 'alice', 'sms', 'Initiated', 'earlier release'),
        (2000, 'alice', 'sms', 'Succeeded', 'earlier release'),
        (3000, 'bob', 'email', 'Succeeded', 'earlier release')`);
      const store = await db.open(chainOf(KEY));
      const earlier = await inChainOrder(store);
      expect(earlier.map((e) => [e.seq, e.hash, e.detail])).toEqual(
        earlier.map((e) => [e.id, null, 'earlier release']),
      );
      expect(await store.verifyHistory()).toEqual(
        intact({ checked: 0, firstSeq: null, lastSeq: null, beforeChain: 3, anchor: { seq: 0, hash: null } }),
      );
      await appendMinutes(store, [0, 1]);
      const newest = earlier.at(-1)?.seq ?? 0;
      expect(await store.verifyHistory()).toEqual(
        intact({
          checked: 2,
          firstSeq: newest + 1,
          lastSeq: newest + 2,
          beforeChain: 3,
          anchor: { seq: 0, hash: null },
        }),
      );
      // Retention takes the earlier entries first, and the chain still holds from its start.
      expect(await store.pruneHistory(at(0))).toBe(3);
      expect(await store.verifyHistory()).toEqual(
        intact({
          checked: 2,
          firstSeq: newest + 1,
          lastSeq: newest + 2,
          anchor: { seq: newest, hash: null },
        }),
      );
    });
  });
}

describe('history chain: appends to PostgreSQL', () => {
  it('an append the database refuses fails, the next is written, and the chain stays whole', async () => {
    const db = await postgres.fresh();
    const store = await db.open(chainOf(KEY));
    await appendMinutes(store, [0]);
    await db.sql("ALTER TABLE verification_history ADD CONSTRAINT no_mallory CHECK (username <> 'mallory')");
    await expect(store.appendHistory(historyEntry({ user: 'mallory' }))).rejects.toThrow(/no_mallory/);
    await appendMinutes(store, [1]);
    expect((await inChainOrder(store)).map((e) => [e.seq, e.user])).toEqual([
      [1, 'user-1'],
      [2, 'user-1'],
    ]);
    expect(await store.verifyHistory()).toMatchObject(intact({ checked: 2 }));
  });

  it('from two stores (two instances) at once form one chain', async () => {
    const db = await postgres.fresh();
    const [one, two] = [await db.open(chainOf(KEY)), await db.open(chainOf(KEY))];
    const each = 60;
    await Promise.all(
      Array.from({ length: each * 2 }, (_, i) =>
        (i % 2 === 0 ? one : two).appendHistory(historyEntry({ time: at(i), detail: `append ${i}` })),
      ),
    );
    const entries = await inChainOrder(one);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: each * 2 }, (_, i) => i + 1));
    expect(await two.verifyHistory()).toEqual(
      intact({ checked: each * 2, firstSeq: 1, lastSeq: each * 2, anchor: { seq: 0, hash: null } }),
    );
  });
});
