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

/** Newest first: by time, then by id for entries recorded in the same millisecond. */
function newestFirst(a: StoredHistoryEntry, b: StoredHistoryEntry): number {
  return b.time.getTime() - a.time.getTime() || b.id - a.id;
}

function isOlderThan(entry: StoredHistoryEntry, cursor: StoredHistoryEntry): boolean {
  return newestFirst(entry, cursor) > 0;
}

/** In (seq, id) order, as the SQL stores walk the chain. */
function inChainOrder(a: StoredHistoryEntry, b: StoredHistoryEntry): number {
  return (a.seq ?? 0) - (b.seq ?? 0) || a.id - b.id;
}

function isAfter(entry: StoredHistoryEntry, cursor: ChainCursor): boolean {
  if (entry.seq === null) return false;
  return entry.seq > cursor.seq || (entry.seq === cursor.seq && entry.id > cursor.id);
}

/**
 * Verification history kept in an array, with the same rules as the SQLite adapter: `since` is
 * inclusive, `until` exclusive, ids are never reused, paging after a pruned `beforeId` finds
 * nothing (everything older was pruned with it), and entries form a hash chain pruned from its start.
 */
export class MemoryHistory implements HistoryChainReader {
  private entries: StoredHistoryEntry[] = [];
  private lastId = 0;
  private state: HistoryChainState = {
    startSeq: 0,
    anchor: { seq: 0, hash: null },
    head: { seq: 0, hash: null },
  };

  constructor(private readonly chain: HistoryChain) {}

  append(entry: HistoryEntry): void {
    this.lastId += 1;
    const link = this.chain.link(entry, this.state.head);
    this.entries.push({ ...structuredClone(entry), id: this.lastId, ...link });
    this.state = { ...this.state, head: { seq: link.seq, hash: link.hash } };
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
    const firstKept = kept.reduce<number | null>(
      (first, entry) => (entry.seq !== null && (first === null || entry.seq < first) ? entry.seq : first),
      null,
    );
    const last = retentionCut(this.state, firstKept);
    if (last === undefined) return 0;
    const anchorHash = this.entries.find((entry) => entry.seq === last)?.hash ?? null;
    const remaining = this.entries.filter((entry) => (entry.seq ?? Infinity) > last);
    const pruned = this.entries.length - remaining.length;
    this.entries = remaining;
    this.state = { ...this.state, anchor: { seq: last, hash: anchorHash } };
    return pruned;
  }

  verify(): Promise<HistoryVerification> {
    return verifyHistoryChain(this, this.chain);
  }

  async chainState(): Promise<HistoryChainState | undefined> {
    return structuredClone(this.state);
  }

  async unsequencedHistory(limit: number): Promise<StoredHistoryEntry[]> {
    return this.entries.filter((entry) => entry.seq === null).slice(0, limit);
  }

  async historyInChainOrder(after: ChainCursor, limit: number): Promise<StoredHistoryEntry[]> {
    return this.entries
      .filter((entry) => isAfter(entry, after))
      .sort(inChainOrder)
      .slice(0, limit)
      .map((entry) => structuredClone(entry));
  }
}

function matches(entry: StoredHistoryEntry, query: HistoryQuery): boolean {
  const time = entry.time.getTime();
  if (query.user !== undefined && entry.user !== query.user) return false;
  if (query.since !== undefined && time < query.since.getTime()) return false;
  return query.until === undefined || time < query.until.getTime();
}
