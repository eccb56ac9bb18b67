/**
 * One node-redis (v5) connection shared by the Redis session store, limiter and replay cache.
 *
 * Fail closed, recover by itself: while Redis is unreachable every command is refused at once
 * (`disableOfflineQueue`, so nothing waits in a queue and nothing is let through), the adapters
 * turn that into a DependencyUnavailableError (a 503), and the client keeps reconnecting with a
 * bounded backoff for as long as the process lives, so the gateway works again as soon as Redis
 * is back, without a restart. A Redis that is connected but answers nothing fails each operation
 * after `commandTimeoutMs` (guarded()).
 *
 * Supported URLs: `redis://[[user]:password@]host[:port][/db]` and `rediss://...` (TLS).
 * Sentinel and Cluster need node-redis's other factories, not a URL, and are not wired yet:
 * - Sentinel: `createSentinel({ name, sentinelRootNodes: [{ host, port }], nodeClientOptions })`,
 *   which follows failovers; the options below go into `nodeClientOptions`.
 * - Cluster: `createCluster({ rootNodes: [{ url }], defaults: { ...the options below } })`.
 *   Every limiter script touches one key, so the scripts already run on a cluster; the session
 *   store (connect-redis 9) accepts a cluster client as it is.
 * Both would need a config shape of their own (a list of nodes, a master name): see docs/redis.md.
 */
import { createClient, type RedisClientType } from 'redis';
import { DependencyUnavailableError, type Logger } from '../../gateway/ports.js';

/** Every key stepgate writes starts with this, so it can share a Redis with other programs. */
export const KEY_PREFIX = 'stepgate:';

/** The name DependencyUnavailableError carries, for logs. */
export const REDIS = 'redis';

export type RedisClient = RedisClientType;

export interface RedisOptions {
  logger: Logger;
  /** How long one connection attempt may take. */
  connectTimeoutMs?: number;
  /**
   * How long an operation may wait for its reply: a Redis that accepts connections but answers
   * nothing (a hung or partitioned host) fails closed too, instead of holding requests forever.
   */
  commandTimeoutMs?: number;
  /** The longest pause between reconnection attempts. */
  maxReconnectDelayMs?: number;
}

const defaults = { connectTimeoutMs: 5_000, commandTimeoutMs: 2_000, maxReconnectDelayMs: 2_000 };

/**
 * Each client's operation timeout, set by connectRedis, so the adapters built over a client use
 * the timeout its connection was configured with (a client made elsewhere gets the default).
 */
const operationTimeouts = new WeakMap<RedisClient, number>();

/**
 * Commands waiting for replies from a Redis that hangs stay queued in node-redis until it answers
 * or the connection breaks; past this many, new commands are refused at once (503) instead.
 */
const maxQueuedCommands = 10_000;

/**
 * Exponential from 50 ms, capped, plus up to 100 ms of jitter so a fleet does not reconnect in
 * step. Never gives up: giving up would need a restart to recover.
 */
export function reconnectDelay(retries: number, maxDelayMs: number): number {
  const exponential = 50 * 2 ** Math.min(retries, 16);
  return Math.min(exponential, maxDelayMs) + Math.floor(Math.random() * 100);
}

/**
 * Refuses URLs that createClient cannot serve, with a sentence that says what to do instead. The
 * URL itself is never repeated: it may carry a password.
 */
export function checkRedisUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new Error('is not a URL like redis://host:6379');
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new Error(
      `must start with redis:// or rediss://, not ${protocol}// (Sentinel and Cluster: see docs/redis.md)`,
    );
  }
}

export interface RedisConnection {
  readonly client: RedisClient;
  /** True once connected; false when `timeoutMs` passes first (the client keeps trying). */
  waitUntilReady(timeoutMs: number): Promise<boolean>;
  /** PING; throws DependencyUnavailableError when Redis does not answer (for /readyz). */
  ping(): Promise<void>;
  /** Stops reconnecting and drops the connection. */
  close(): Promise<void>;
}

/**
 * Creates the client and starts connecting in the background: Redis being down at start-up
 * delays readiness (/readyz says so) instead of stopping the gateway from starting.
 */
export function connectRedis(url: string, options: RedisOptions): RedisConnection {
  checkRedisUrl(url);
  const settings = { ...defaults, ...options };
  const { logger } = options;
  const client: RedisClient = createClient({
    url,
    disableOfflineQueue: true,
    // Keeps idle connections alive through NATs and proxies that drop silent ones.
    pingInterval: 30_000,
    commandsQueueMaxLength: maxQueuedCommands,
    // No per-command `timeout` option: node-redis makes an AbortSignal with a timer for every
    // command for it (an eighth of a proxied request's CPU, see docs/benchmarks.md), and it only
    // bounds the wait before the command is written. guarded() bounds the caller's whole wait,
    // and the queue is bounded above. A command written late, after its caller got its 503, still
    // does what it asked (counts an attempt, ends a session): never more than the caller meant.
    socket: {
      connectTimeout: settings.connectTimeoutMs,
      reconnectStrategy: (retries) => reconnectDelay(retries, settings.maxReconnectDelayMs),
    },
  });

  operationTimeouts.set(client, settings.commandTimeoutMs);

  // Without an 'error' listener a lost connection would crash the process. One line per outage,
  // not one per reconnection attempt, so a long outage does not flood the log.
  let down = false;
  client.on('error', (error: unknown) => {
    if (down) return;
    down = true;
    logger.error('redis unavailable; requests that need it get 503 until it is back', {
      error: error instanceof Error ? error.message : String(error),
    });
  });
  client.on('ready', () => {
    if (down) logger.info('redis available again');
    down = false;
  });

  const ready = client.connect().then(
    () => true,
    (error: unknown) => {
      // Only when closed before the first connection: the reconnect strategy never gives up.
      logger.warn('redis connection abandoned', {
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    },
  );

  return {
    client,
    waitUntilReady: async (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        return await Promise.race([ready, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    ping: () => pingRedis(client),
    close: async () => {
      // destroy, not close: close waits for replies a hung Redis would never send.
      if (client.isOpen) client.destroy();
      await ready;
    },
  };
}

export class RedisTimeoutError extends Error {
  override readonly name = 'RedisTimeoutError';
}

/**
 * Runs one operation on `client` and turns any failure into DependencyUnavailableError, so the
 * request fails closed with a 503. Offline, closed and refused connections are what this is for,
 * and a reply that does not come within the client's timeout; a reply error (a full memory, a
 * replica that is read-only during a failover) is treated the same: the request cannot be
 * decided, and the cause is kept for the log. A reply that comes after the timeout is ignored.
 */
export function guarded<T>(client: RedisClient, operation: () => Promise<T>): Promise<T> {
  const timeoutMs = operationTimeouts.get(client) ?? defaults.commandTimeoutMs;
  const unavailable = (error: unknown) =>
    error instanceof DependencyUnavailableError
      ? error
      : new DependencyUnavailableError(REDIS, { cause: error });
  // One promise and one timer per operation: this runs for every proxied request's session.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(unavailable(new RedisTimeoutError(`no reply within ${timeoutMs} ms`))),
      timeoutMs,
    );
    const settle = (error: unknown, value?: T) => {
      clearTimeout(timer);
      if (error === undefined) resolve(value as T);
      else reject(unavailable(error));
    };
    try {
      operation().then(
        (value) => settle(undefined, value),
        (error: unknown) => settle(error ?? new Error('rejected without a reason')),
      );
    } catch (error) {
      settle(error ?? new Error('threw without a reason'));
    }
  });
}

export async function pingRedis(client: RedisClient): Promise<void> {
  await guarded(client, () => client.ping());
}

/** Escapes the glob characters SCAN MATCH would read in a literal prefix. */
function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}

/** Deletes every key under `prefix` (SCAN, then DEL in batches); returns how many. For tests and operators. */
export async function deleteKeysUnder(client: RedisClient, prefix: string): Promise<number> {
  if (prefix === '') throw new RangeError('redis: refusing to delete every key: the prefix is empty');
  let deleted = 0;
  for await (const keys of client.scanIterator({ MATCH: `${globLiteral(prefix)}*`, COUNT: 500 })) {
    if (keys.length > 0) deleted += await client.del(keys);
  }
  return deleted;
}
