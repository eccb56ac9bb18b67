/**
 * The verification history as the help-desk tools hand it out: the same fields in JSON and CSV,
 * and the query parameters read the same way by the API and the CLI.
 */
import { errors } from '../errors.js';
import { t } from '../i18n/index.js';
import type { HistoryQuery, HistoryVerification, StoredHistoryEntry } from '../ports.js';

export interface HistoryRecord {
  id: number;
  time: string;
  user: string;
  method: string;
  status: string;
  triggered_by: string | null;
  source_ip: string | null;
  login: string | null;
  entry_point: string | null;
  user_agent: string | null;
  detail: string | null;
  /** The hash chain (docs/history.md), so an auditor can check an export without the store. */
  seq: number | null;
  key_id: string | null;
  prev_hash: string | null;
  hash: string | null;
}

export const HISTORY_COLUMNS: readonly (keyof HistoryRecord)[] = [
  'id',
  'time',
  'user',
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

export function historyRecord(entry: StoredHistoryEntry): HistoryRecord {
  return {
    id: entry.id,
    time: entry.time.toISOString(),
    user: entry.user,
    method: entry.method,
    status: entry.status,
    triggered_by: entry.triggeredBy,
    source_ip: entry.sourceIp,
    login: entry.login,
    entry_point: entry.entryPoint,
    user_agent: entry.userAgent,
    detail: entry.detail,
    seq: entry.seq,
    key_id: entry.keyId,
    prev_hash: entry.prevHash,
    hash: entry.hash,
  };
}

/** What `GET /admin/v1/history/verify` answers (docs/admin-api.yaml HistoryVerification). */
export function verificationRecord(verification: HistoryVerification) {
  const { broken, anchor } = verification;
  return {
    ok: broken === null,
    checked: verification.checked,
    first_seq: verification.firstSeq,
    last_seq: verification.lastSeq,
    before_chain: verification.beforeChain,
    anchor: { seq: anchor.seq, hash: anchor.hash },
    broken: broken && { kind: broken.kind, seq: broken.seq, id: broken.id, message: broken.message },
  };
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled. A
 * field a spreadsheet would run as a formula (a user agent is whatever the client sent) gets a
 * leading apostrophe, as OWASP advises for CSV exports.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${HISTORY_COLUMNS.join(',')}\r\n`;
}

export function csvRows(entries: readonly StoredHistoryEntry[]): string {
  return entries
    .map((entry) => {
      const record = historyRecord(entry);
      return `${HISTORY_COLUMNS.map((column) => csvField(record[column])).join(',')}\r\n`;
    })
    .join('');
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/i;

/** Date.parse rolls 2026-02-30 over into March; a person who wrote it meant something else. */
function realDay(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

/**
 * A date parameter: a day ('2026-01-15', midnight UTC) or a time with its offset
 * ('2026-01-15T09:00:00Z'). A time without an offset would depend on the server's zone: refused.
 */
export function parseIsoDate(name: string, text: string | undefined): Date | undefined {
  if (text === undefined || text === '') return undefined;
  const time = ISO_DATE.test(text) && realDay(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(time)) {
    throw errors.badRequest('invalid_parameter', t('error.api.date', { name, value: text }), {
      parameter: name,
    });
  }
  return new Date(time);
}

/** A whole number parameter within [min, max]; `fallback` when absent. */
export function parseWholeNumber(
  name: string,
  text: string | undefined,
  range: { min: number; max: number; fallback?: number },
): number | undefined {
  if (text === undefined || text === '') return range.fallback;
  const value = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
  if (!(value >= range.min && value <= range.max)) {
    throw errors.badRequest(
      'invalid_parameter',
      t('error.api.whole_number', { name, min: range.min, max: range.max, value: text }),
      { parameter: name },
    );
  }
  return value;
}

export type HistoryFormat = 'json' | 'csv';

export function parseHistoryFormat(text: string | undefined, fallback: HistoryFormat): HistoryFormat {
  if (text === undefined || text === '') return fallback;
  if (text === 'json' || text === 'csv') return text;
  throw errors.badRequest('invalid_parameter', t('error.api.format', { value: text }), {
    parameter: 'format',
  });
}

const EXPORT_BATCH = 1000;

/**
 * Every entry matching `query`, newest first, written as CSV (with its header) or as a JSON array
 * with one entry per line, read from the store a batch at a time.
 */
export async function exportHistory(
  source: { history(query: HistoryQuery): Promise<StoredHistoryEntry[]> },
  query: Omit<HistoryQuery, 'limit' | 'beforeId'>,
  format: HistoryFormat,
  write: (text: string) => void,
): Promise<void> {
  write(format === 'csv' ? csvHeader() : '[');
  let beforeId: number | undefined;
  let first = true;
  for (;;) {
    const batch = await source.history({ ...query, beforeId, limit: EXPORT_BATCH });
    if (format === 'csv') write(csvRows(batch));
    for (const entry of format === 'json' ? batch : []) {
      write(`${first ? '' : ','}\n${JSON.stringify(historyRecord(entry))}`);
      first = false;
    }
    if (batch.length < EXPORT_BATCH) break;
    beforeId = batch.at(-1)?.id;
  }
  if (format === 'json') write(first ? ']\n' : '\n]\n');
}
