/** The Redis session store (connect-redis) on the shared test server, and how it fails. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, type RedisConnection } from '../../adapters/redis/client.js';
import { openRedisPair, type RedisPair } from '../helpers/redis.js';
import { SESSION_PREFIX, redisSessionStore } from '../../adapters/redis/session-store.js';
import { silentLogger } from '../../bin/logger.js';
import { DependencyUnavailableError } from '../../gateway/ports.js';
import { describeRedisSessionStore, destroy, get, sessionData, set } from './redis-session-store-contract.js';

const url = process.env.STEPGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `stepgate-test:${randomUUID()}:sess:`;

let pair: RedisPair;
let redis: RedisConnection;
let other: RedisConnection;

beforeAll(async () => {
  pair = await openRedisPair(url);
  ({ here: redis, there: other } = pair);
});

afterAll(() => pair.close(prefix));

describeRedisSessionStore('one node', {
  here: () => redis.client,
  there: () => other.client,
  prefix,
});

describe('Redis session store', () => {
  it('keeps sessions under stepgate:sess: by default', () => {
    expect(SESSION_PREFIX).toBe('stepgate:sess:');
    expect(redisSessionStore(redis.client).prefix).toBe('stepgate:sess:');
  });

  it('hands every failure on as DependencyUnavailableError, by callback or by promise', async () => {
    const closed = connectRedis(url, { logger: silentLogger });
    expect(await closed.waitUntilReady(5_000)).toBe(true);
    const store = redisSessionStore(closed.client, { prefix });
    await closed.close();
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
