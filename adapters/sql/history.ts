/**
 * Verification history rows, shared by SQLite and PostgreSQL like the others in rows.ts: the row
 * as the driver hands it over, its conversion to and from the port's entries, and the check of a
 * query's limit. The filters stay in each dialect: their SQL and parameters differ.
 */
import type { HistoryEntry, HistoryStatus, HistoryTrigger, StoredHistoryEntry } from '../../gateway/ports.js';
import type { LoginKind } from '../../policies/types.js';
import type { IntegerColumns } from './rows.js';
import { toMillis } from './time.js';

export interface HistoryRow<Int = number> {
  id: Int;
  occurred_at: Int;
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

/** A row before it is inserted: the database hands out the id. */
export type NewHistoryRow = Omit<HistoryRow, 'id'>;

/** The columns an entry fills, in the order they are inserted. */
export const HISTORY_COLUMNS: readonly (keyof NewHistoryRow)[] = [
  'occurred_at',
  'username',
  'method',
  'status',
  'triggered_by',
  'source_ip',
  'login',
  'entry_point',
  'user_agent',
  'detail',
];

export function toEntry<Int>(row: HistoryRow<Int>, read: IntegerColumns<Int>): StoredHistoryEntry {
  return {
    id: read.integer(row.id),
    time: read.time(row.occurred_at),
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

export function toHistoryRow(entry: HistoryEntry): NewHistoryRow {
  return {
    occurred_at: toMillis(entry.time),
    username: entry.user,
    method: entry.method,
    status: entry.status,
    triggered_by: entry.triggeredBy,
    source_ip: entry.sourceIp,
    login: entry.login,
    entry_point: entry.entryPoint,
    user_agent: entry.userAgent,
    detail: entry.detail,
  };
}

export function assertLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError(`store: history limit must be a whole number of 0 or more but it is ${limit}`);
  }
}
