/**
 * Verification history rows, shared by SQLite and PostgreSQL like the others in rows.ts: the row
 * as the driver hands it over, its conversion to and from the port's entries, and the check of a
 * query's limit. The filters stay in each dialect: their SQL and parameters differ.
 */
import type {
  HistoryChainState,
  HistoryEntry,
  HistoryLink,
  HistoryStatus,
  HistoryTrigger,
  StoredHistoryEntry,
} from '../../gateway/ports.js';
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
  seq: Int | null;
  key_id: string | null;
  prev_hash: string | null;
  hash: string | null;
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
  'seq',
  'key_id',
  'prev_hash',
  'hash',
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
    seq: row.seq === null ? null : read.integer(row.seq),
    keyId: row.key_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function toHistoryRow(entry: HistoryEntry, link: HistoryLink): NewHistoryRow {
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
    seq: link.seq,
    key_id: link.keyId,
    prev_hash: link.prevHash,
    hash: link.hash,
  };
}

/** The chain's record (table history_chain, one row) as the driver hands it over. */
export interface HistoryChainRow<Int = number> {
  start_seq: Int;
  head_seq: Int;
  head_hash: string | null;
  anchor_seq: Int;
  anchor_hash: string | null;
}

export function toChainState<Int>(row: HistoryChainRow<Int>, read: IntegerColumns<Int>): HistoryChainState {
  return {
    startSeq: read.integer(row.start_seq),
    anchor: { seq: read.integer(row.anchor_seq), hash: row.anchor_hash },
    head: { seq: read.integer(row.head_seq), hash: row.head_hash },
  };
}

/**
 * The chain's record written again when it is missing (a database emptied by hand): it continues
 * from the newest numbered entry, and since it no longer knows where the chain began or resumed,
 * verification reads from seq 1 and names what it cannot vouch for. Never silently re-anchored.
 */
export const RESTORE_CHAIN_RECORD = `
  INSERT INTO history_chain (id, start_seq, head_seq, head_hash, anchor_seq, anchor_hash)
  SELECT 1, 0, COALESCE(MAX(seq), 0),
         (SELECT hash FROM verification_history WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1), 0, NULL
  FROM verification_history`;

export function assertLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError(`store: history limit must be a whole number of 0 or more but it is ${limit}`);
  }
}
