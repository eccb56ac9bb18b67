import type { Pool, PoolClient } from 'pg';
import { retentionCut, type HistoryChain } from '../../gateway/history-chain.js';
import {
  verifyHistoryChain,
  type ChainCursor,
  type HistoryChainReader,
} from '../../gateway/history-verify.js';
import type {
  HistoryChainState,
  HistoryEntry,
  HistoryQuery,
  HistoryVerification,
  StoredHistoryEntry,
} from '../../gateway/ports.js';
import {
  assertLimit,
  HISTORY_COLUMNS,
  RESTORE_CHAIN_RECORD,
  toChainState,
  toEntry,
  toHistoryRow,
  type HistoryChainRow,
  type HistoryRow,
} from '../sql/history.js';
import { inColumnOrder } from '../sql/rows.js';
import { toMillis } from '../sql/time.js';
import { inTransaction, withClient } from './transaction.js';
import { postgresIntegers, toInteger, type BigintText } from './values.js';

const columns = HISTORY_COLUMNS.join(', ');

/**
 * The query's filters as SQL with numbered parameters. `since` is inclusive and `until` exclusive,
 * so consecutive ranges never count an entry twice. Paging continues after the `beforeId` entry in
 * the (time, id) order the results come in; when that entry has been pruned the row comparison is
 * NULL and nothing comes back, which is right: everything older has been pruned too.
 */
function whereClause(query: HistoryQuery): { where: string; values: (string | number)[] } {
  const clauses: string[] = [];
  const values: (string | number)[] = [];
  const add = (clause: (parameter: string) => string, value: string | number): void => {
    values.push(value);
    clauses.push(clause(`$${values.length}`));
  };
  if (query.user !== undefined) add((p) => `username = ${p}`, query.user);
  if (query.since !== undefined) add((p) => `occurred_at >= ${p}`, toMillis(query.since));
  if (query.until !== undefined) add((p) => `occurred_at < ${p}`, toMillis(query.until));
  if (query.beforeId !== undefined) {
    add(
      (p) => `(occurred_at, id) < (SELECT occurred_at, id FROM verification_history WHERE id = ${p})`,
      query.beforeId,
    );
  }
  return { where: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, values };
}

/** `($1, …, $14), ($15, …, $28), …` for `rows` entries. */
function valuesFor(rows: number): string {
  const width = HISTORY_COLUMNS.length;
  return Array.from(
    { length: rows },
    (_, row) => `(${HISTORY_COLUMNS.map((_, column) => `$${row * width + column + 1}`).join(', ')})`,
  ).join(', ');
}

/** Entries written in one transaction at most; well within PostgreSQL's 65535 parameters. */
const MAX_BATCH = 200;

interface PendingAppend {
  entry: HistoryEntry;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Verification history: append only, read newest first, pruned from the start of its hash chain.
 * Instances sharing the database take turns at the chain's head: appending and pruning lock the
 * chain's record (SELECT ... FOR UPDATE) in a short transaction, so their entries form one chain.
 * While one instance holds the lock, the entries its own requests append meanwhile wait and are
 * then written together in its next turn (a group commit): one lock per batch, not per entry.
 */
export class PostgresHistory implements HistoryChainReader {
  private pending: PendingAppend[] = [];
  private writing: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly chain: HistoryChain,
  ) {}

  /** Resolves once the entry is committed, so it is written before the answer that caused it. */
  append(entry: HistoryEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      this.writing ??= this.writePending();
    });
  }

  private async writePending(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      try {
        await this.appendAll(batch.map((pending) => pending.entry));
        for (const pending of batch) pending.resolve();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    this.writing = undefined;
  }

  private appendAll(entries: HistoryEntry[]): Promise<void> {
    return this.locked(async (client, state) => {
      let head = state.head;
      const values = entries.flatMap((entry) => {
        const link = this.chain.link(entry, head);
        head = { seq: link.seq, hash: link.hash };
        return inColumnOrder(toHistoryRow(entry, link), HISTORY_COLUMNS);
      });
      const [seq, hash] = [values.length + 1, values.length + 2];
      await client.query(
        `WITH added AS (INSERT INTO verification_history (${columns}) VALUES ${valuesFor(entries.length)})
         UPDATE history_chain SET head_seq = $${seq}, head_hash = $${hash} WHERE id = 1`,
        [...values, head.seq, head.hash],
      );
    });
  }

  async query(query: HistoryQuery): Promise<StoredHistoryEntry[]> {
    assertLimit(query.limit);
    const { where, values } = whereClause(query);
    const { rows } = await this.pool.query<HistoryRow<BigintText>>(
      `SELECT id, ${columns} FROM verification_history ${where}
       ORDER BY occurred_at DESC, id DESC LIMIT $${values.length + 1}`,
      [...values, query.limit],
    );
    return rows.map((row) => toEntry(row, postgresIntegers));
  }

  async pruneBefore(before: Date): Promise<number> {
    return this.locked(async (client, state) => {
      const kept = await client.query<{ seq: BigintText | null }>(
        'SELECT MIN(seq) AS seq FROM verification_history WHERE seq IS NOT NULL AND occurred_at >= $1',
        [toMillis(before)],
      );
      const firstKept = kept.rows[0]?.seq ?? null;
      const last = retentionCut(state, firstKept === null ? null : toInteger(firstKept));
      if (last === undefined) return 0;
      const anchor = await client.query<{ hash: string | null }>(
        'SELECT hash FROM verification_history WHERE seq = $1',
        [last],
      );
      const pruned = await client.query('DELETE FROM verification_history WHERE seq <= $1', [last]);
      await client.query('UPDATE history_chain SET anchor_seq = $1, anchor_hash = $2 WHERE id = 1', [
        last,
        anchor.rows[0]?.hash ?? null,
      ]);
      return pruned.rowCount ?? 0;
    });
  }

  verify(): Promise<HistoryVerification> {
    return verifyHistoryChain(this, this.chain);
  }

  async chainState(): Promise<HistoryChainState | undefined> {
    const { rows } = await this.pool.query<HistoryChainRow<BigintText>>(
      'SELECT start_seq, head_seq, head_hash, anchor_seq, anchor_hash FROM history_chain WHERE id = 1',
    );
    return rows[0] && toChainState(rows[0], postgresIntegers);
  }

  async unsequencedHistory(limit: number): Promise<StoredHistoryEntry[]> {
    const { rows } = await this.pool.query<HistoryRow<BigintText>>(
      `SELECT id, ${columns} FROM verification_history WHERE seq IS NULL ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows.map((row) => toEntry(row, postgresIntegers));
  }

  async historyInChainOrder(after: ChainCursor, limit: number): Promise<StoredHistoryEntry[]> {
    const { rows } = await this.pool.query<HistoryRow<BigintText>>(
      `SELECT id, ${columns} FROM verification_history
       WHERE seq IS NOT NULL AND (seq, id) > ($1, $2) ORDER BY seq, id LIMIT $3`,
      [after.seq, after.id, limit],
    );
    return rows.map((row) => toEntry(row, postgresIntegers));
  }

  /**
   * Runs `work` in a transaction holding the chain's record locked until it commits: another
   * instance appending waits for it, then sees the head it left.
   */
  private locked<T>(work: (client: PoolClient, state: HistoryChainState) => Promise<T>): Promise<T> {
    return withClient(this.pool, (client) =>
      inTransaction(client, async () => {
        let state = await lockChain(client);
        if (state === undefined) {
          await client.query(`${RESTORE_CHAIN_RECORD} ON CONFLICT (id) DO NOTHING`);
          state = await lockChain(client);
        }
        if (state === undefined) throw new Error('store: the history chain record cannot be written');
        return work(client, state);
      }),
    );
  }
}

async function lockChain(client: PoolClient): Promise<HistoryChainState | undefined> {
  const { rows } = await client.query<HistoryChainRow<BigintText>>(
    'SELECT start_seq, head_seq, head_hash, anchor_seq, anchor_hash FROM history_chain WHERE id = 1 FOR UPDATE',
  );
  return rows[0] && toChainState(rows[0], postgresIntegers);
}
