/**
 * The outside systems the benchmarks use, kept apart from everyone else's: a Redis database of
 * their own (never database 0, where the test suites run) emptied of stepgate keys before and
 * after, and a throwaway PostgreSQL database per run, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createClient } from 'redis';
import { deleteKeysUnder, KEY_PREFIX, type RedisClient } from '../adapters/redis/client.js';
import { SESSION_PREFIX } from '../adapters/redis/session-store.js';

export interface BenchRedis {
  url: string;
  client: RedisClient;
  /** Deletes every stepgate key in the benchmark database. */
  clear(): Promise<void>;
  /** The Redis server's process id, when it runs on this machine (to time its CPU). */
  serverPid(): Promise<number | undefined>;
  /** Session keys, and what a sample of them occupies in Redis (MEMORY USAGE) and as JSON. */
  sessionFootprint(sample: number): Promise<{ keys: number; bytesPerKey: number; jsonBytes: number }>;
  close(): Promise<void>;
}

export async function openBenchRedis(url: string): Promise<BenchRedis> {
  const database = Number(new URL(url).pathname.slice(1) || '0');
  if (database === 0) {
    throw new Error(
      `the benchmark deletes stepgate keys in its Redis database; give it one of its own (not 0): ${url}`,
    );
  }
  const client: RedisClient = createClient({ url });
  client.on('error', () => undefined); // a failed command rejects; the benchmark reports that
  await client.connect();
  return {
    url,
    client,
    clear: async () => {
      await deleteKeysUnder(client, KEY_PREFIX);
    },
    serverPid: async () => {
      const pid = Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
      const local = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
      return local && Number.isSafeInteger(pid) ? pid : undefined;
    },
    sessionFootprint: async (sample) => {
      const keys: string[] = [];
      let count = 0;
      for await (const batch of client.scanIterator({ MATCH: `${SESSION_PREFIX}*`, COUNT: 1000 })) {
        count += batch.length;
        for (const key of batch) if (keys.length < sample) keys.push(key);
      }
      let memory = 0;
      let json = 0;
      for (const key of keys) {
        memory += (await client.memoryUsage(key)) ?? 0;
        json += await client.strLen(key);
      }
      const per = (total: number) => (keys.length === 0 ? 0 : Math.round(total / keys.length));
      return { keys: count, bytesPerKey: per(memory), jsonBytes: per(json) };
    },
    close: async () => {
      client.destroy();
    },
  };
}

export interface BenchPostgres {
  /** The throwaway database, for store.url. */
  url: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(adminUrl: string): Promise<BenchPostgres> {
  const name = `stepgate_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ server_version: string }>('SHOW server_version');
    return result.rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end();
  }
}

export async function redisVersion(redis: BenchRedis): Promise<string> {
  const info = await redis.client.info('server');
  return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
}
