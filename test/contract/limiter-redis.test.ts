/**
 * The limiter contract against Redis: the shared server on STEPGATE_TEST_REDIS_URL, under a key
 * prefix of this run's own, deleted when the run ends.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, deleteKeysUnder, type RedisConnection } from '../../adapters/redis/client.js';
import { RedisLimiter } from '../../adapters/redis/limiter.js';
import { LuaScript } from '../../adapters/redis/script.js';
import { silentLogger } from '../../bin/logger.js';
import { DependencyUnavailableError } from '../../gateway/ports.js';
import { TestClock } from '../helpers/clock.js';
import { describeLimiterContract } from './limiter-contract.js';

const url = process.env.STEPGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `stepgate-test:${randomUUID()}:`;

let redis: RedisConnection;

beforeAll(async () => {
  redis = connectRedis(url, { logger: silentLogger });
  if (!(await redis.waitUntilReady(5_000))) throw new Error(`no Redis answers at ${url}`);
});

afterAll(async () => {
  await deleteKeysUnder(redis.client, prefix);
  await redis.close();
});

describeLimiterContract('RedisLimiter', () => new RedisLimiter(redis.client, { prefix }));

describe('RedisLimiter in Redis', () => {
  const hour = 3_600_000;
  const now = new Date(Date.UTC(2030, 0, 15, 9, 30));

  it('keeps every key under its prefix, with an expiry relative to the window', async () => {
    const own = `${prefix}layout:`;
    const limiter = new RedisLimiter(redis.client, { prefix: own });
    await limiter.take('sms:alice', 5, hour, now);
    await limiter.recordFailure('alice', hour, now);
    await limiter.lock('alice', new Date(now.getTime() + hour));
    const keys: string[] = [];
    for await (const batch of redis.client.scanIterator({ MATCH: `${own}*` })) keys.push(...batch);
    expect(keys.sort()).toEqual([
      `${own}limit:fail:alice`,
      `${own}limit:lock:alice`,
      `${own}limit:take:sms:alice`,
    ]);
    // The contract's `now` is years away from the server's clock: an absolute expiry at `now`
    // would have removed the key already, or kept it for years.
    const ttl = await redis.client.pTTL(`${own}limit:take:sms:alice`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(hour);
  });

  it('times a lock by the gateway clock, so a clock behind the server does not end it early', async () => {
    const clock = new TestClock(Date.parse('2020-01-15T09:00:00Z'));
    const own = `${prefix}clock:`;
    const limiter = new RedisLimiter(redis.client, { prefix: own, clock });
    const until = new Date(clock.now().getTime() + hour);
    await limiter.lock('alice', until);
    const ttl = await redis.client.pTTL(`${own}limit:lock:alice`);
    expect(ttl).toBeGreaterThan(hour - 60_000);
    expect(ttl).toBeLessThanOrEqual(hour);
    expect(await limiter.lockedUntil('alice', clock.now())).toEqual(until);
  });

  it('runs a script Redis does not know yet (after a restart or a failover) and caches it', async () => {
    // A script of its own, so flushing the shared server's script cache is not needed.
    const script = new LuaScript(`return ARGV[1] -- ${randomUUID()}`);
    expect(await redis.client.scriptExists(script.sha)).toEqual([0]);
    expect(await script.run(redis.client, [], ['first'])).toBe('first');
    expect(await redis.client.scriptExists(script.sha)).toEqual([1]);
    expect(await script.run(redis.client, [], ['second'])).toBe('second');
  });

  it('fails closed with DependencyUnavailableError when its client is closed', async () => {
    const other = connectRedis(url, { logger: silentLogger });
    expect(await other.waitUntilReady(5_000)).toBe(true);
    const limiter = new RedisLimiter(other.client, { prefix });
    await other.close();
    await expect(limiter.take('closed', 5, hour, now)).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(limiter.lockedUntil('closed', now)).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(limiter.ping()).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
