import type { Pool } from 'pg';
import type { HistoryEntry, HistoryQuery, StoredHistoryEntry } from '../../gateway/ports.js';
import { assertLimit, HISTORY_COLUMNS, toEntry, toHistoryRow, type HistoryRow } from '../sql/history.js';
import { inColumnOrder } from '../sql/rows.js';
import { toMillis } from '../sql/time.js';
import { postgresIntegers, type BigintText } from './values.js';

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

/** Verification history: append only, read newest first, pruned by age. */
export class PostgresHistory {
  constructor(private readonly pool: Pool) {}

  async append(entry: HistoryEntry): Promise<void> {
    await this.pool.query(
      `INSERT INTO verification_history (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      inColumnOrder(toHistoryRow(entry), HISTORY_COLUMNS),
    );
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
    const result = await this.pool.query('DELETE FROM verification_history WHERE occurred_at < $1', [
      toMillis(before),
    ]);
    return result.rowCount ?? 0;
  }
}
