/** The Redis session store (connect-redis) on the shared test server, and how it fails. */
import { randomUUID } from 'node:crypto';
import type { SessionData, Store } from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, deleteKeysUnder, type RedisConnection } from '../../adapters/redis/client.js';
import { SESSION_PREFIX, redisSessionStore } from '../../adapters/redis/session-store.js';
import { silentLogger } from '../../bin/logger.js';
import { DependencyUnavailableError } from '../../gateway/ports.js';

const url = process.env.STEPGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `stepgate-test:${randomUUID()}:sess:`;

let redis: RedisConnection;

beforeAll(async () => {
  redis = connectRedis(url, { logger: silentLogger });
  if (!(await redis.waitUntilReady(5_000))) throw new Error(`no Redis answers at ${url}`);
});

afterAll(async () => {
  await deleteKeysUnder(redis.client, prefix);
  await redis.close();
});

function sessionData(user: string, maxAgeMs = 30 * 60_000): SessionData {
  return {
    cookie: { originalMaxAge: maxAgeMs, expires: new Date(Date.now() + maxAgeMs), httpOnly: true, path: '/' },
    returnTo: `/for/${user}`,
  } as SessionData;
}

const get = (store: Store, sid: string) =>
  new Promise<SessionData | null | undefined>((resolve, reject) =>
    store.get(sid, (err, data) => (err ? reject(err) : resolve(data))),
  );
const set = (store: Store, sid: string, data: SessionData) =>
  new Promise<void>((resolve, reject) => store.set(sid, data, (err) => (err ? reject(err) : resolve())));
const destroy = (store: Store, sid: string) =>
  new Promise<void>((resolve, reject) => store.destroy(sid, (err) => (err ? reject(err) : resolve())));

describe('Redis session store', () => {
  it('keeps sessions under stepgate:sess: by default', () => {
    expect(SESSION_PREFIX).toBe('stepgate:sess:');
    expect(redisSessionStore(redis.client).prefix).toBe('stepgate:sess:');
  });

  it('stores, shares between clients, and forgets a session; it expires with its cookie', async () => {
    const other = connectRedis(url, { logger: silentLogger });
    expect(await other.waitUntilReady(5_000)).toBe(true);
    try {
      const here = redisSessionStore(redis.client, { prefix });
      const there = redisSessionStore(other.client, { prefix });
      await set(here, 'sid-1', sessionData('alice'));
      expect((await get(there, 'sid-1'))?.returnTo).toBe('/for/alice');
      const ttlMs = await redis.client.pTTL(`${prefix}sid-1`);
      expect(ttlMs).toBeGreaterThan(29 * 60_000);
      expect(ttlMs).toBeLessThanOrEqual(30 * 60_000);
      await destroy(there, 'sid-1');
      expect(await get(here, 'sid-1')).toBeNull();
    } finally {
      await other.close();
    }
  });

  it('hands every failure on as DependencyUnavailableError, by callback or by promise', async () => {
    const other = connectRedis(url, { logger: silentLogger });
    expect(await other.waitUntilReady(5_000)).toBe(true);
    const store = redisSessionStore(other.client, { prefix });
    await other.close();
    await expect(get(store, 'sid-2')).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(set(store, 'sid-2', sessionData('bob'))).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(destroy(store, 'sid-2')).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(
      new Promise((resolve, reject) =>
        store.touch('sid-2', sessionData('bob'), (err) => (err ? reject(err) : resolve(undefined))),
      ),
    ).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(store.get('sid-2')).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
