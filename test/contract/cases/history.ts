import { describe, expect, it } from 'vitest';
import type { StoredHistoryEntry } from '../../../gateway/ports.js';
import { at, historyEntry, type CurrentStore } from '../fixtures.js';

/** The chain fields of the first entry of a store opened without a history key. */
const UNKEYED_FIRST = { seq: 1, keyId: null, prevHash: null, hash: null };

const minutesOf = (entries: StoredHistoryEntry[]): number[] =>
  entries.map((entry) => (entry.time.getTime() - at(0).getTime()) / 60_000);

/** Verification history: append, query newest first with paging, prune. */
export function describeHistory(store: CurrentStore): void {
  describe('verification history', () => {
    async function appendMinutes(minutes: number[], user = 'user-1'): Promise<void> {
      for (const minute of minutes) await store().appendHistory(historyEntry({ user, time: at(minute) }));
    }

    it('returns an appended entry with every field and a numeric id', async () => {
      await store().appendHistory(historyEntry());
      const [stored, ...rest] = await store().queryHistory({ limit: 10 });
      expect(rest).toEqual([]);
      expect(stored).toEqual({ ...historyEntry(), id: expect.any(Number), ...UNKEYED_FIRST });
      expect(stored?.time).toBeInstanceOf(Date);
    });

    it('keeps empty fields empty', async () => {
      const sparse = historyEntry({
        method: 'admin:remove-mobile',
        status: 'Skipped',
        triggeredBy: null,
        sourceIp: null,
        login: null,
        entryPoint: null,
        userAgent: null,
        detail: null,
      });
      await store().appendHistory(sparse);
      expect(await store().queryHistory({ limit: 10 })).toEqual([
        { ...sparse, id: expect.any(Number), ...UNKEYED_FIRST },
      ]);
    });

    it('gives later entries larger ids', async () => {
      await appendMinutes([0, 1, 2]);
      const ids = (await store().queryHistory({ limit: 10 })).map((entry) => entry.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(new Set(ids).size).toBe(3);
    });

    it('returns entries newest first by time, even when appended out of order', async () => {
      await appendMinutes([5, 1, 9, 3]);
      expect(minutesOf(await store().queryHistory({ limit: 10 }))).toEqual([9, 5, 3, 1]);
    });

    it('orders entries of the same instant by the order they were appended, newest first', async () => {
      await store().appendHistory(historyEntry({ detail: 'first' }));
      await store().appendHistory(historyEntry({ detail: 'second' }));
      const details = (await store().queryHistory({ limit: 10 })).map((entry) => entry.detail);
      expect(details).toEqual(['second', 'first']);
    });

    it('filters by user', async () => {
      await appendMinutes([0, 2], 'user-1');
      await appendMinutes([1], 'user-2');
      const entries = await store().queryHistory({ user: 'user-1', limit: 10 });
      expect(entries.map((entry) => entry.user)).toEqual(['user-1', 'user-1']);
      expect(minutesOf(entries)).toEqual([2, 0]);
      expect(await store().queryHistory({ user: 'user-3', limit: 10 })).toEqual([]);
    });

    it('filters by time: since is inclusive, until is exclusive', async () => {
      await appendMinutes([0, 1, 2, 3, 4]);
      expect(minutesOf(await store().queryHistory({ since: at(1), until: at(3), limit: 10 }))).toEqual([
        2, 1,
      ]);
      expect(minutesOf(await store().queryHistory({ since: at(3), limit: 10 }))).toEqual([4, 3]);
      expect(minutesOf(await store().queryHistory({ until: at(1), limit: 10 }))).toEqual([0]);
    });

    it('combines the user and time filters', async () => {
      await appendMinutes([0, 1, 2], 'user-1');
      await appendMinutes([1, 2], 'user-2');
      const entries = await store().queryHistory({ user: 'user-2', since: at(1), until: at(2), limit: 10 });
      expect(entries.map((entry) => [entry.user, minutesOf([entry])[0]])).toEqual([['user-2', 1]]);
    });

    it('returns at most limit entries, the newest', async () => {
      await appendMinutes([0, 1, 2, 3]);
      expect(minutesOf(await store().queryHistory({ limit: 2 }))).toEqual([3, 2]);
      expect(await store().queryHistory({ limit: 0 })).toEqual([]);
    });

    it('refuses a negative or fractional limit', async () => {
      await expect(store().queryHistory({ limit: -1 })).rejects.toThrow(RangeError);
      await expect(store().queryHistory({ limit: 1.5 })).rejects.toThrow(RangeError);
    });

    it('pages with beforeId: pages do not overlap and together hold everything', async () => {
      // Out of order, with a shared instant, so paging cannot rely on id order alone.
      await appendMinutes([4, 0, 6, 2, 2, 5, 1, 3]);
      await appendMinutes([3, 7], 'user-2');
      const pages: number[][] = [];
      let beforeId: number | undefined;
      for (;;) {
        const page = await store().queryHistory({ user: 'user-1', beforeId, limit: 3 });
        if (page.length === 0) break;
        pages.push(minutesOf(page));
        beforeId = page.at(-1)?.id;
      }
      expect(pages).toEqual([
        [6, 5, 4],
        [3, 2, 2],
        [1, 0],
      ]);
    });

    it('pages within a time range', async () => {
      await appendMinutes([0, 1, 2, 3, 4, 5]);
      const first = await store().queryHistory({ since: at(1), until: at(5), limit: 2 });
      expect(minutesOf(first)).toEqual([4, 3]);
      const second = await store().queryHistory({
        since: at(1),
        until: at(5),
        beforeId: first[1]?.id,
        limit: 2,
      });
      expect(minutesOf(second)).toEqual([2, 1]);
    });

    it('prunes entries older than a time, and says how many', async () => {
      await appendMinutes([0, 1, 2, 3]);
      await appendMinutes([4], 'user-2');
      expect(await store().pruneHistory(at(2))).toBe(2);
      expect(minutesOf(await store().queryHistory({ limit: 10 }))).toEqual([4, 3, 2]);
      expect(await store().pruneHistory(at(2))).toBe(0);
    });

    it('prunes only from the start: an older entry written after a kept one waits for it', async () => {
      await appendMinutes([0, 5, 1]);
      expect(await store().pruneHistory(at(3))).toBe(1);
      expect(minutesOf(await store().queryHistory({ limit: 10 }))).toEqual([5, 1]);
      expect(await store().pruneHistory(at(6))).toBe(2);
      expect(await store().queryHistory({ limit: 10 })).toEqual([]);
    });

    it('finds nothing older than a pruned entry, and never reuses its id', async () => {
      await appendMinutes([0, 1, 2]);
      const [newest, , oldest] = await store().queryHistory({ limit: 10 });
      await store().pruneHistory(at(1));
      expect(await store().queryHistory({ beforeId: oldest?.id, limit: 10 })).toEqual([]);
      await store().pruneHistory(at(100));
      await appendMinutes([3]);
      const [appended] = await store().queryHistory({ limit: 10 });
      expect(appended?.id).toBeGreaterThan(newest?.id ?? Infinity);
    });
  });
}
