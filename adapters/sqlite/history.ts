import type Database from 'better-sqlite3';
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
  RESTORE_CHAIN_RECORD,
  toChainState,
  toEntry,
  toHistoryRow,
  type HistoryChainRow,
  type HistoryRow,
  type NewHistoryRow,
} from '../sql/history.js';
import { toMillis } from '../sql/time.js';
import { sqliteIntegers } from './time.js';

type HistoryParams = Record<string, string | number>;

/**
 * Which rows a query selects. `since` is inclusive and `until` exclusive, so consecutive ranges
 * never count an entry twice. Paging continues after the `beforeId` entry in the (time, id) order
 * the results come in; when that entry has been pruned, everything older has been too.
 */
function whereClauses(query: HistoryQuery): { clauses: string[]; params: HistoryParams } {
  const clauses: string[] = [];
  const params: HistoryParams = { limit: query.limit };
  if (query.user !== undefined) {
    clauses.push('username = @username');
    params.username = query.user;
  }
  if (query.since !== undefined) {
    clauses.push('occurred_at >= @since');
    params.since = toMillis(query.since);
  }
  if (query.until !== undefined) {
    clauses.push('occurred_at < @until');
    params.until = toMillis(query.until);
  }
  if (query.beforeId !== undefined) {
    clauses.push(
      '(occurred_at, id) < (SELECT occurred_at, id FROM verification_history WHERE id = @before_id)',
    );
    params.before_id = query.beforeId;
  }
  return { clauses, params };
}

/**
 * Verification history: append only, read newest first, pruned from the start of its hash chain.
 * Appending and pruning are IMMEDIATE transactions, so processes sharing the file take turns at the
 * chain's head.
 */
export class SqliteHistory implements HistoryChainReader {
  private readonly insert: Database.Statement<[NewHistoryRow]>;
  private readonly readChain: Database.Statement<[], HistoryChainRow>;
  private readonly restoreChain: Database.Statement<[]>;
  private readonly moveHead: Database.Statement<[number, string | null]>;
  private readonly firstKept: Database.Statement<[number], { seq: number | null }>;
  private readonly hashAt: Database.Statement<[number], { hash: string | null }>;
  private readonly deleteUpTo: Database.Statement<[number]>;
  private readonly moveAnchor: Database.Statement<[number, string | null]>;
  private readonly unsequenced: Database.Statement<[number], HistoryRow>;
  private readonly inChainOrder: Database.Statement<[number, number, number], HistoryRow>;
  private readonly appendOne: Database.Transaction<(entry: HistoryEntry) => void>;
  private readonly pruneOnce: Database.Transaction<(before: Date) => number>;
  // One statement per combination of filters, prepared on first use: at most sixteen.
  private readonly queries = new Map<string, Database.Statement<[HistoryParams], HistoryRow>>();

  constructor(
    private readonly db: Database.Database,
    private readonly chain: HistoryChain,
  ) {
    this.insert = db.prepare(`
      INSERT INTO verification_history (occurred_at, username, method, status, triggered_by, source_ip,
                                        login, entry_point, user_agent, detail, seq, key_id, prev_hash, hash)
      VALUES (@occurred_at, @username, @method, @status, @triggered_by, @source_ip,
              @login, @entry_point, @user_agent, @detail, @seq, @key_id, @prev_hash, @hash)`);
    this.readChain = db.prepare('SELECT * FROM history_chain WHERE id = 1');
    this.restoreChain = db.prepare(RESTORE_CHAIN_RECORD);
    this.moveHead = db.prepare('UPDATE history_chain SET head_seq = ?, head_hash = ? WHERE id = 1');
    this.firstKept = db.prepare(
      'SELECT MIN(seq) AS seq FROM verification_history WHERE seq IS NOT NULL AND occurred_at >= ?',
    );
    this.hashAt = db.prepare('SELECT hash FROM verification_history WHERE seq = ?');
    this.deleteUpTo = db.prepare('DELETE FROM verification_history WHERE seq <= ?');
    this.moveAnchor = db.prepare('UPDATE history_chain SET anchor_seq = ?, anchor_hash = ? WHERE id = 1');
    this.unsequenced = db.prepare('SELECT * FROM verification_history WHERE seq IS NULL ORDER BY id LIMIT ?');
    this.inChainOrder = db.prepare(`
      SELECT * FROM verification_history WHERE seq IS NOT NULL AND (seq, id) > (?, ?)
      ORDER BY seq, id LIMIT ?`);
    this.appendOne = db.transaction((entry: HistoryEntry) => {
      const link = this.chain.link(entry, this.lockedState().head);
      this.insert.run(toHistoryRow(entry, link));
      this.moveHead.run(link.seq, link.hash);
    });
    this.pruneOnce = db.transaction((before: Date) => {
      const state = this.lockedState();
      const last = retentionCut(state, this.firstKept.get(toMillis(before))?.seq ?? null);
      if (last === undefined) return 0;
      const anchorHash = this.hashAt.get(last)?.hash ?? null;
      const pruned = this.deleteUpTo.run(last).changes;
      this.moveAnchor.run(last, anchorHash);
      return pruned;
    });
  }

  append(entry: HistoryEntry): void {
    this.appendOne.immediate(entry);
  }

  query(query: HistoryQuery): StoredHistoryEntry[] {
    assertLimit(query.limit);
    const { clauses, params } = whereClauses(query);
    return this.statementFor(clauses)
      .all(params)
      .map((row) => toEntry(row, sqliteIntegers));
  }

  pruneBefore(before: Date): number {
    return this.pruneOnce.immediate(before);
  }

  verify(): Promise<HistoryVerification> {
    return verifyHistoryChain(this, this.chain);
  }

  async chainState(): Promise<HistoryChainState | undefined> {
    const row = this.readChain.get();
    return row && toChainState(row, sqliteIntegers);
  }

  async unsequencedHistory(limit: number): Promise<StoredHistoryEntry[]> {
    return this.unsequenced.all(limit).map((row) => toEntry(row, sqliteIntegers));
  }

  async historyInChainOrder(after: ChainCursor, limit: number): Promise<StoredHistoryEntry[]> {
    return this.inChainOrder.all(after.seq, after.id, limit).map((row) => toEntry(row, sqliteIntegers));
  }

  /** The chain's record, inside a transaction that holds the write lock. */
  private lockedState(): HistoryChainState {
    let row = this.readChain.get();
    if (row === undefined) {
      this.restoreChain.run();
      row = this.readChain.get();
    }
    if (row === undefined) throw new Error('store: the history chain record cannot be written');
    return toChainState(row, sqliteIntegers);
  }

  private statementFor(clauses: string[]): Database.Statement<[HistoryParams], HistoryRow> {
    const where = clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`;
    let statement = this.queries.get(where);
    if (statement === undefined) {
      statement = this.db.prepare(
        `SELECT * FROM verification_history ${where} ORDER BY occurred_at DESC, id DESC LIMIT @limit`,
      );
      this.queries.set(where, statement);
    }
    return statement;
  }
}
