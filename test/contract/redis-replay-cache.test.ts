/** The Redis replay cache on the shared test server: an id is accepted once, across instances. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, deleteKeysUnder, type RedisConnection } from '../../adapters/redis/client.js';
import { RedisReplayCache } from '../../adapters/redis/replay-cache.js';
import { silentLogger } from '../../bin/logger.js';
import { DependencyUnavailableError } from '../../gateway/ports.js';
import { TestClock } from '../helpers/clock.js';

const url = process.env.STEPGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `stepgate-test:${randomUUID()}:`;
const minute = 60_000;

let redis: RedisConnection;

beforeAll(async () => {
  redis = connectRedis(url, { logger: silentLogger });
  if (!(await redis.waitUntilReady(5_000))) throw new Error(`no Redis answers at ${url}`);
});

afterAll(async () => {
  await deleteKeysUnder(redis.client, prefix);
  await redis.close();
});

describe('RedisReplayCache', () => {
  // The test clock is months away from the server's clock: the expiry must follow the clock given.
  const clock = new TestClock();
  const inTen = () => new Date(clock.now().getTime() + 10 * minute);

  it('accepts a new id, refuses it the second time, and accepts another id', async () => {
    const cache = new RedisReplayCache(redis.client, clock, { prefix });
    expect(await cache.remember('assertion-1', inTen())).toBe(true);
    expect(await cache.remember('assertion-1', inTen())).toBe(false);
    expect(await cache.remember('assertion-2', inTen())).toBe(true);
  });

  it('refuses an id another instance has seen', async () => {
    const first = new RedisReplayCache(redis.client, clock, { prefix });
    const second = new RedisReplayCache(redis.client, clock, { prefix });
    expect(await first.remember('shared', inTen())).toBe(true);
    expect(await second.remember('shared', inTen())).toBe(false);
  });

  it('accepts exactly one of concurrent presentations', async () => {
    const cache = new RedisReplayCache(redis.client, clock, { prefix });
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => cache.remember('race', inTen())));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  it('keeps the id until `until` by the clock it was given, under the stepgate prefix', async () => {
    const cache = new RedisReplayCache(redis.client, clock, { prefix });
    await cache.remember('kept', inTen());
    const ttl = await redis.client.pTTL(`${prefix}replay:kept`);
    expect(ttl).toBeGreaterThan(9 * minute);
    expect(ttl).toBeLessThanOrEqual(10 * minute);
  });

  it('fails closed with DependencyUnavailableError when Redis cannot be reached', async () => {
    const other = connectRedis(url, { logger: silentLogger });
    expect(await other.waitUntilReady(5_000)).toBe(true);
    const cache = new RedisReplayCache(other.client, clock, { prefix });
    await other.close();
    await expect(cache.remember('offline', inTen())).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
