/**
 * SessionListing on both session stores (memory, Redis): the help desk's "signed in now" lists
 * the live sessions signed in as one user, whichever instance wrote them, and signing one out
 * (destroy) takes it off the list. Anonymous sessions and other users' never show.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { SessionData, Store } from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoundedMemorySessionStore } from '../../adapters/memory/session-store.js';
import type { RedisConnection } from '../../adapters/redis/client.js';
import { openRedisPair, type RedisPair } from '../helpers/redis.js';
import { SessionSealer, redisSessionStore } from '../../adapters/redis/session-store.js';
import { SealingKey } from '../../adapters/crypto/key.js';
import { silentLogger } from '../../bin/logger.js';
import type { SessionListing } from '../../gateway/ports.js';
import { destroy, get, sessionData, set } from './redis-session-store-contract.js';

type ListingStore = Store & SessionListing;

function signedIn(user: string, maxAgeMs?: number): SessionData {
  return { ...sessionData(user, maxAgeMs), auth: { user, stage: 'confirmed' } } as unknown as SessionData;
}

const idsOf = async (store: SessionListing, user: string) =>
  (await store.sessionsOf(user)).map((s) => s.id).sort();

function describeListing(name: string, stores: () => { here: ListingStore; there: ListingStore }) {
  describe(`session listing: ${name}`, () => {
    it('lists the sessions signed in as a user, whichever instance wrote them, with what they hold', async () => {
      const { here, there } = stores();
      await set(here, 'a-1', signedIn('alice'));
      await set(there, 'a-2', signedIn('alice'));
      await set(here, 'b-1', signedIn('bob'));
      await set(here, 'anon', sessionData('nobody'));
      expect(await idsOf(here, 'alice')).toEqual(['a-1', 'a-2']);
      expect(await idsOf(there, 'alice')).toEqual(['a-1', 'a-2']);
      expect(await idsOf(here, 'bob')).toEqual(['b-1']);
      expect(await idsOf(here, 'nobody')).toEqual([]);
      const [first] = await here.sessionsOf('bob');
      expect(first?.data).toMatchObject({ auth: { user: 'bob', stage: 'confirmed' }, returnTo: '/for/bob' });
    });

    it('takes a destroyed session off the list, and one that is no longer signed in as the user', async () => {
      const { here, there } = stores();
      await set(here, 'c-1', signedIn('carol'));
      await set(here, 'c-2', signedIn('carol'));
      await destroy(there, 'c-1');
      expect(await idsOf(here, 'carol')).toEqual(['c-2']);
      // Signed out in place (the session kept, its sign-in gone): not carol's any more.
      await set(here, 'c-2', sessionData('carol'));
      expect(await idsOf(there, 'carol')).toEqual([]);
      expect(await get(here, 'c-2')).not.toBeNull();
    });
  });
}

describeListing('memory', () => {
  const store = new BoundedMemorySessionStore({ max: 100, defaultTtlMs: 60_000 });
  return { here: store, there: store };
});

describe('session listing: memory, bounded', () => {
  it('forgets the sessions the store evicts', async () => {
    const store = new BoundedMemorySessionStore({ max: 2, defaultTtlMs: 60_000 });
    await set(store, 'd-1', signedIn('dan'));
    await set(store, 'd-2', signedIn('dan'));
    await set(store, 'e-1', signedIn('erin'));
    expect(await idsOf(store, 'dan')).toEqual(['d-2']);
    expect(await idsOf(store, 'erin')).toEqual(['e-1']);
  });
});

describe('session listing: Redis', () => {
  const url = process.env.STEPGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const root = `stepgate-test:${randomUUID()}:`;
  let pair: RedisPair;
  let redis: RedisConnection;
  let other: RedisConnection;

  beforeAll(async () => {
    pair = await openRedisPair(url);
    ({ here: redis, there: other } = pair);
  });

  afterAll(() => pair.close(root));

  const sealer = () => new SessionSealer(new SealingKey(Buffer.alloc(32, 9)), silentLogger);

  describeListing('one node', () => ({
    here: redisSessionStore(redis.client, { prefix: `${root}plain:` }),
    there: redisSessionStore(other.client, { prefix: `${root}plain:` }),
  }));

  describeListing('one node, sealed', () => ({
    here: redisSessionStore(redis.client, { prefix: `${root}sealed:`, sealer: sealer() }),
    there: redisSessionStore(other.client, { prefix: `${root}sealed:`, sealer: sealer() }),
  }));

  it('keeps no username in the index, only its hash', async () => {
    const store = redisSessionStore(redis.client, { prefix: `${root}names:`, sealer: sealer() });
    await set(store, 'f-1', signedIn('frances'));
    const keys: string[] = [];
    for await (const batch of redis.client.scanIterator({ MATCH: `${root}names*`, COUNT: 100 })) {
      keys.push(...batch);
    }
    expect(keys).toHaveLength(2);
    expect(keys.join(' ')).not.toContain('frances');
    expect(keys).toContain(`${root}names-by-user:${createHash('sha256').update('frances').digest('hex')}`);
  });

  it('drops from the index a session written longer ago than a session can live', async () => {
    const store = redisSessionStore(redis.client, { prefix: `${root}old:`, horizonMs: 1 });
    await set(store, 'g-1', signedIn('gus'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    // The session itself is still there (its cookie says so); only an id older than any session
    // could be is forgotten: the horizon is the absolute timeout plus the idle timeout.
    expect(await get(store, 'g-1')).not.toBeNull();
    expect(await idsOf(store, 'gus')).toEqual([]);
  });
});
