import type { Pool } from 'pg';
import type {
  HistoryEntry,
  HistoryQuery,
  HistoryStatus,
  HistoryTrigger,
  StoredHistoryEntry,
} from '../../gateway/ports.js';
import type { LoginKind } from '../../policies/types.js';
import { fromMillis, toInteger, toMillis, type BigintText } from './values.js';

interface HistoryRow {
  id: BigintText;
  occurred_at: BigintText;
  username: string;
  method: string;
  status: string;
  triggered_by: string | null;
  source_ip: string | null;
  login: string | null;
  entry_point: string | null;
  user_agent: string | null;
  detail: string | null;
}

function toEntry(row: HistoryRow): StoredHistoryEntry {
  return {
    id: toInteger(row.id),
    time: fromMillis(row.occurred_at),
    user: row.username,
    method: row.method,
    status: row.status as HistoryStatus,
    triggeredBy: row.triggered_by as HistoryTrigger | null,
    sourceIp: row.source_ip,
    login: row.login as LoginKind | null,
    entryPoint: row.entry_point,
    userAgent: row.user_agent,
    detail: row.detail,
  };
}

const columns =
  'occurred_at, username, method, status, triggered_by, source_ip, login, entry_point, user_agent, detail';

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

function assertLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError(`store: history limit must be a whole number of 0 or more but it is ${limit}`);
  }
}

/** Verification history: append only, read newest first, pruned by age. */
export class PostgresHistory {
  constructor(private readonly pool: Pool) {}

  async append(entry: HistoryEntry): Promise<void> {
    await this.pool.query(
      `INSERT INTO verification_history (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        toMillis(entry.time),
        entry.user,
        entry.method,
        entry.status,
        entry.triggeredBy,
        entry.sourceIp,
        entry.login,
        entry.entryPoint,
        entry.userAgent,
        entry.detail,
      ],
    );
  }

  async query(query: HistoryQuery): Promise<StoredHistoryEntry[]> {
    assertLimit(query.limit);
    const { where, values } = whereClause(query);
    const { rows } = await this.pool.query<HistoryRow>(
      `SELECT id, ${columns} FROM verification_history ${where}
       ORDER BY occurred_at DESC, id DESC LIMIT $${values.length + 1}`,
      [...values, query.limit],
    );
    return rows.map(toEntry);
  }

  async pruneBefore(before: Date): Promise<number> {
    const result = await this.pool.query('DELETE FROM verification_history WHERE occurred_at < $1', [
      toMillis(before),
    ]);
    return result.rowCount ?? 0;
  }
}
