import type { HistoryEntry, HistoryQuery, StoredHistoryEntry } from '../../gateway/ports.js';

/** Newest first: by time, then by id for entries recorded in the same millisecond. */
function newestFirst(a: StoredHistoryEntry, b: StoredHistoryEntry): number {
  return b.time.getTime() - a.time.getTime() || b.id - a.id;
}

function isOlderThan(entry: StoredHistoryEntry, cursor: StoredHistoryEntry): boolean {
  return newestFirst(entry, cursor) > 0;
}

/**
 * Verification history kept in an array, with the same rules as the SQLite adapter: `since` is
 * inclusive, `until` exclusive, ids are never reused, and paging after a pruned `beforeId` finds
 * nothing (everything older was pruned with it).
 */
export class MemoryHistory {
  private entries: StoredHistoryEntry[] = [];
  private lastId = 0;

  append(entry: HistoryEntry): void {
    this.lastId += 1;
    this.entries.push({ ...structuredClone(entry), id: this.lastId });
  }

  query(query: HistoryQuery): StoredHistoryEntry[] {
    if (!Number.isSafeInteger(query.limit) || query.limit < 0) {
      throw new RangeError(
        `store: history limit must be a whole number of 0 or more but it is ${query.limit}`,
      );
    }
    const cursor =
      query.beforeId === undefined ? undefined : this.entries.find((e) => e.id === query.beforeId);
    if (query.beforeId !== undefined && cursor === undefined) return [];
    return this.entries
      .filter((entry) => matches(entry, query) && (cursor === undefined || isOlderThan(entry, cursor)))
      .sort(newestFirst)
      .slice(0, query.limit)
      .map((entry) => structuredClone(entry));
  }

  pruneBefore(before: Date): number {
    const kept = this.entries.filter((entry) => entry.time.getTime() >= before.getTime());
    const pruned = this.entries.length - kept.length;
    this.entries = kept;
    return pruned;
  }
}

function matches(entry: StoredHistoryEntry, query: HistoryQuery): boolean {
  const time = entry.time.getTime();
  if (query.user !== undefined && entry.user !== query.user) return false;
  if (query.since !== undefined && time < query.since.getTime()) return false;
  return query.until === undefined || time < query.until.getTime();
}
