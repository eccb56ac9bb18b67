/**
 * The node-redis (v5) connection shared by the Redis session store, limiter and replay cache:
 * one node (`createClient`), Redis Sentinel (`createSentinel`, which asks the sentinels for the
 * master and follows failovers) or Redis Cluster (`createCluster`); see topologies.ts.
 *
 * Fail closed, recover by itself: while Redis is unreachable every command is refused at once
 * (`disableOfflineQueue`, so nothing waits in a queue and nothing is let through), the adapters
 * turn that into a DependencyUnavailableError (a 503), and the client keeps reconnecting with a
 * bounded backoff for as long as the process lives, so the gateway works again as soon as Redis
 * (or, after a failover, the new master) is back, without a restart. A Redis that is connected
 * but answers nothing fails each operation after `commandTimeoutMs` (guarded()); so does a
 * command the Sentinel client holds while it looks for a new master.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClientType, RedisClusterType } from 'redis';
import { DependencyUnavailableError, type Logger } from '../../gateway/ports.js';
import {
  openTopology,
  openTrackingNode,
  type NodeOptions,
  type RedisTarget,
  type Topology,
  type TopologyEvents,
} from './topologies.js';

export type { RedisTarget } from './topologies.js';

/** Every key stepgate writes starts with this, so it can share a Redis with other programs. */
export const KEY_PREFIX = 'stepgate:';

/** The name DependencyUnavailableError carries, for logs. */
export const REDIS = 'redis';

/** A client of one Redis node. */
export type RedisClient = RedisClientType;

/**
 * The commands the adapters use: what a one-node, a Sentinel and a Cluster client all have.
 * Each takes one key, so on a cluster every command goes to the one master of its key's slot.
 */
export type RedisCommands = Pick<
  RedisClientType,
  'get' | 'set' | 'getDel' | 'del' | 'expire' | 'pTTL' | 'evalSha' | 'eval' | 'ping'
>;

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
const operationTimeouts = new WeakMap<object, number>();

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
      `must start with redis:// or rediss://, not ${protocol}// (for Sentinel or Cluster use session.redis, see docs/redis.md)`,
    );
  }
}

export interface RedisConnection<C extends RedisCommands = RedisClient> {
  readonly client: C;
  /** True once connected; false when `timeoutMs` passes first (the client keeps trying). */
  waitUntilReady(timeoutMs: number): Promise<boolean>;
  /**
   * PING the node, the master, or every master of a cluster; throws DependencyUnavailableError
   * when one does not answer (for /readyz).
   */
  ping(): Promise<void>;
  /** Stops reconnecting and drops the connection. */
  close(): Promise<void>;
}

function nodeOptions(settings: typeof defaults): NodeOptions {
  return {
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
  };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** One log line per outage, not one per reconnection attempt, so a long outage does not flood the log. */
function outageLog(logger: Logger): TopologyEvents {
  let down = false;
  return {
    down: (error) => {
      if (down) return;
      down = true;
      logger.error('redis unavailable; requests that need it get 503 until it is back', {
        error: messageOf(error),
      });
    },
    up: (master) => {
      if (down) logger.info('redis available again', master === undefined ? {} : { master });
      down = false;
    },
  };
}

/**
 * The first connection, retried until it succeeds or the connection is closed: a Sentinel or
 * Cluster client gives up on a first connection that fails (a one-node client never does).
 */
async function keepConnecting(
  topology: Topology,
  settings: typeof defaults,
  logger: Logger,
  isClosed: () => boolean,
): Promise<boolean> {
  for (let retries = 0; ; retries += 1) {
    try {
      await topology.connect();
      return true;
    } catch (error) {
      if (isClosed()) {
        logger.warn('redis connection abandoned', { error: messageOf(error) });
        return false;
      }
      await sleep(reconnectDelay(retries, settings.maxReconnectDelayMs));
      if (isClosed()) return false;
      await topology.reset();
    }
  }
}

/**
 * Creates the client and starts connecting in the background: Redis being down at start-up
 * delays readiness (/readyz says so) instead of stopping the gateway from starting. A URL is one
 * node; a RedisTarget names a node, a Sentinel set or a Cluster.
 */
export function connectRedis(target: string, options: RedisOptions): RedisConnection<RedisClient>;
export function connectRedis(target: RedisTarget, options: RedisOptions): RedisConnection<RedisCommands>;
export function connectRedis(
  target: string | RedisTarget,
  options: RedisOptions,
): RedisConnection<RedisCommands> {
  const resolved: RedisTarget = typeof target === 'string' ? { kind: 'node', url: target } : target;
  if (resolved.kind === 'node') checkRedisUrl(resolved.url);
  const settings = { ...defaults, ...options };
  const { logger } = options;
  const topology = openTopology(resolved, nodeOptions(settings), outageLog(logger));
  const { client } = topology;
  operationTimeouts.set(client, settings.commandTimeoutMs);
  let closed = false;
  const ready = keepConnecting(topology, settings, logger, () => closed);

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
    ping: () => guarded(client, () => topology.ping()),
    close: async () => {
      closed = true;
      await topology.destroy();
      await ready;
    },
  };
}

/**
 * A client of one node for tracked reads (session-reads.ts), with the fail-closed settings and
 * operation timeout of connectRedis; not connected yet. Undefined for Sentinel and Cluster.
 */
export function trackingClient(target: RedisTarget, options: RedisOptions): RedisClient | undefined {
  if (target.kind !== 'node') return undefined;
  const settings = { ...defaults, ...options };
  const client = openTrackingNode(target, nodeOptions(settings));
  operationTimeouts.set(client, settings.commandTimeoutMs);
  return client;
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
export function guarded<T>(client: object, operation: () => Promise<T>): Promise<T> {
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

export async function pingRedis(client: RedisCommands): Promise<void> {
  await guarded(client, () => client.ping());
}

/** Escapes the glob characters SCAN MATCH would read in a literal prefix. */
function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}

/**
 * Deletes every key under `prefix`; returns how many. For tests and operators. On a cluster each
 * master is scanned (a SCAN sees the keys of one node only) and keys are deleted one by one, as
 * keys of different slots cannot share a DEL.
 */
export async function deleteKeysUnder(
  client: RedisClient | RedisClusterType,
  prefix: string,
): Promise<number> {
  if (prefix === '') throw new RangeError('redis: refusing to delete every key: the prefix is empty');
  const match = { MATCH: `${globLiteral(prefix)}*`, COUNT: 500 };
  let deleted = 0;
  if (!('masters' in client)) {
    for await (const keys of client.scanIterator(match)) {
      if (keys.length > 0) deleted += await client.del(keys);
    }
    return deleted;
  }
  for (const master of client.masters) {
    const node = await client.nodeClient(master);
    for await (const keys of node.scanIterator(match)) {
      for (const key of keys) deleted += await client.del(key);
    }
  }
  return deleted;
}
