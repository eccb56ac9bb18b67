/**
 * Everything stepgate keeps in Redis, over one connection (one node, Sentinel or Cluster): what bin/compose.ts wires when
 * `session.store` is `redis`. A module of its own so the composition root can load node-redis
 * only then: importing it costs every CLI command about a second of start-up.
 */
import type { Clock } from '../../gateway/ports.js';
import {
  connectRedis,
  trackingClient,
  type RedisCommands,
  type RedisConnection,
  type RedisOptions,
  type RedisTarget,
} from './client.js';
import { RedisLimiter } from './limiter.js';
import { RedisReplayCache } from './replay-cache.js';
import { RedisRequestIdCache } from './saml-request-ids.js';
import { redisSessionStore, type SessionSealer } from './session-store.js';

export interface RedisAdapters {
  connection: RedisConnection<RedisCommands>;
  limiter: RedisLimiter;
  replayCache: RedisReplayCache;
  /** The ids of the SAML AuthnRequests sent, for responses that come back to another instance. */
  samlRequestIds: RedisRequestIdCache;
  sessions: ReturnType<typeof redisSessionStore>;
}

/** Throws (before connecting) when a URL is not one node-redis can use; see checkRedisUrl. */
export function openRedisAdapters(
  target: RedisTarget,
  options: RedisOptions & {
    clock: Clock;
    sealer?: SessionSealer | undefined;
    /** How long a SAML AuthnRequest may be answered. */
    samlRequestLifetimeMs: number;
    /** The longest a session lives after its last write: session.absolute_timeout plus idle_timeout. */
    sessionHorizonMs?: number;
  },
): RedisAdapters {
  const connection = connectRedis(target, options);
  const { client } = connection;
  const sessions = redisSessionStore(client, {
    ...(options.sealer && { sealer: options.sealer }),
    ...(options.sessionHorizonMs !== undefined && { horizonMs: options.sessionHorizonMs }),
    // The proxied requests' session reads, kept current by Redis (session-reads.ts); one node only.
    tracking: trackingClient(target, options),
    logger: options.logger,
  });
  return {
    connection: {
      ...connection,
      close: async () => {
        await sessions.closeReads();
        await connection.close();
      },
    },
    limiter: new RedisLimiter(client, { clock: options.clock }),
    replayCache: new RedisReplayCache(client, options.clock),
    samlRequestIds: new RedisRequestIdCache(client, { ttlMs: options.samlRequestLifetimeMs }),
    sessions,
  };
}
