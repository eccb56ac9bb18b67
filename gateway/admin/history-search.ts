/**
 * The help desk's view of the verification history: filtered by user and time in the store's own
 * query, and by method and status here, a page at a time, newest first. The store pages by entry
 * id (HistoryQuery.beforeId); the method and status filters read through its pages until a page
 * is full, at most MAX_SCANNED entries per request, and say so when they stop short, so a rare
 * status over a long time range cannot make one request read the whole history.
 */
import type { HistoryStatus, Store, StoredHistoryEntry } from '../ports.js';

export const HISTORY_STATUSES: readonly HistoryStatus[] = [
  'Initiated',
  'Succeeded',
  'FailedInvalidCode',
  'FailedTooManyAttempts',
  'RateLimited',
  'Locked',
  'Declined',
  'Skipped',
];

/** The method filter's value for every help-desk action (`admin:<action>` in the history). */
export const HELP_DESK_ACTIONS = 'admin';

export interface HistorySearch {
  user?: string | undefined;
  /** A method id, 'none' (no challenge), or HELP_DESK_ACTIONS. */
  method?: string | undefined;
  status?: HistoryStatus | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  /** Entries older than this id: the next page. */
  before?: number | undefined;
  limit: number;
}

export interface HistoryPage {
  entries: StoredHistoryEntry[];
  /** Where the next (older) page starts, when there may be one. */
  older?: number | undefined;
  /** The filters stopped reading before the page was full: there may be more, further back. */
  stoppedShort: boolean;
  /** How many entries were read for this page. */
  scanned: number;
}

const BATCH = 200;
export const MAX_SCANNED = 5_000;

function matches(entry: StoredHistoryEntry, search: HistorySearch): boolean {
  if (search.status !== undefined && entry.status !== search.status) return false;
  if (search.method === undefined) return true;
  if (search.method === HELP_DESK_ACTIONS) return entry.method.startsWith(`${HELP_DESK_ACTIONS}:`);
  return entry.method === search.method;
}

export async function searchHistory(store: Store, search: HistorySearch): Promise<HistoryPage> {
  const filtered = search.method !== undefined || search.status !== undefined;
  const found: StoredHistoryEntry[] = [];
  let cursor = search.before;
  let scanned = 0;
  for (;;) {
    const want = filtered ? BATCH : search.limit + 1 - found.length;
    const batch = await store.queryHistory({
      user: search.user,
      since: search.since,
      until: search.until,
      beforeId: cursor,
      limit: want,
    });
    scanned += batch.length;
    for (const entry of batch) {
      if (matches(entry, search)) found.push(entry);
      if (found.length > search.limit) {
        const entries = found.slice(0, search.limit);
        return { entries, older: entries.at(-1)?.id, stoppedShort: false, scanned };
      }
    }
    const last = batch.at(-1);
    if (batch.length < want || last === undefined) return { entries: found, stoppedShort: false, scanned };
    cursor = last.id;
    if (scanned >= MAX_SCANNED) return { entries: found, older: cursor, stoppedShort: true, scanned };
  }
}
