import type Database from 'better-sqlite3';
import type { HistoryEntry, HistoryQuery, StoredHistoryEntry } from '../../gateway/ports.js';
import { assertLimit, toEntry, toHistoryRow, type HistoryRow, type NewHistoryRow } from '../sql/history.js';
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

/** Verification history: append only, read newest first, pruned by age. */
export class SqliteHistory {
  private readonly insert: Database.Statement<[NewHistoryRow]>;
  private readonly prune: Database.Statement<[number]>;
  // One statement per combination of filters, prepared on first use: at most sixteen.
  private readonly queries = new Map<string, Database.Statement<[HistoryParams], HistoryRow>>();

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(`
      INSERT INTO verification_history (occurred_at, username, method, status, triggered_by, source_ip,
                                        login, entry_point, user_agent, detail)
      VALUES (@occurred_at, @username, @method, @status, @triggered_by, @source_ip,
              @login, @entry_point, @user_agent, @detail)`);
    this.prune = db.prepare('DELETE FROM verification_history WHERE occurred_at < ?');
  }

  append(entry: HistoryEntry): void {
    this.insert.run(toHistoryRow(entry));
  }

  query(query: HistoryQuery): StoredHistoryEntry[] {
    assertLimit(query.limit);
    const { clauses, params } = whereClauses(query);
    return this.statementFor(clauses)
      .all(params)
      .map((row) => toEntry(row, sqliteIntegers));
  }

  pruneBefore(before: Date): number {
    return this.prune.run(toMillis(before)).changes;
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
