import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../gateway/ports.js';
import { describeAccess } from './cases/access.js';
import { describeCodes } from './cases/codes.js';
import { describeEnrolments } from './cases/enrolments.js';
import { describeHistory } from './cases/history.js';
import { describeListsAndSettings } from './cases/settings.js';

export type OpenStore = () => Promise<Store> | Store;
/** Runs after each case, once the store is closed: remove its file, drop its schema, ... */
export type CleanupStore = (store: Store) => Promise<void> | void;

/**
 * The behaviour every Store adapter must share, so the core can be unit-tested on the memory
 * adapter and run on SQLite or PostgreSQL. Each case gets a fresh, empty store from `open`.
 */
export function describeStoreContract(name: string, open: OpenStore, cleanup?: CleanupStore): void {
  describe(`Store contract: ${name}`, () => {
    let current: Store | undefined;

    beforeEach(async () => {
      current = await open();
    });

    afterEach(async () => {
      const store = current;
      current = undefined;
      if (store === undefined) return;
      await store.close();
      await cleanup?.(store);
    });

    const store = (): Store => {
      if (current === undefined) throw new Error('no store is open');
      return current;
    };

    describe('lifecycle', () => {
      it('answers a ping while open', async () => {
        await expect(store().ping()).resolves.toBeUndefined();
      });

      it('fails a ping once closed, and can be closed twice', async () => {
        await store().close();
        await expect(store().ping()).rejects.toThrow();
        await expect(store().close()).resolves.toBeUndefined();
      });
    });

    describeEnrolments(store);
    describeAccess(store);
    describeCodes(store);
    describeHistory(store);
    describeListsAndSettings(store);
  });
}
