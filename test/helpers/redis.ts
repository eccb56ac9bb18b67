/**
 * Two connections to the shared test Redis, as two instances of a fleet have, for the suites that
 * test what one instance writes and the other reads. Keys under `prefix` go when they close.
 */
import { connectRedis, deleteKeysUnder, type RedisConnection } from '../../adapters/redis/client.js';
import { silentLogger } from '../../bin/logger.js';

export const TEST_REDIS_URL = process.env.STEPGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface RedisPair {
  here: RedisConnection;
  there: RedisConnection;
  /** Deletes the keys under `prefix`, then closes both connections. */
  close(prefix: string): Promise<void>;
}

export async function openRedisPair(url = TEST_REDIS_URL): Promise<RedisPair> {
  const here = connectRedis(url, { logger: silentLogger });
  const there = connectRedis(url, { logger: silentLogger });
  for (const connection of [here, there]) {
    if (!(await connection.waitUntilReady(5_000))) throw new Error(`no Redis answers at ${url}`);
  }
  return {
    here,
    there,
    close: async (prefix) => {
      await deleteKeysUnder(here.client, prefix);
      await Promise.all([here.close(), there.close()]);
    },
  };
}
