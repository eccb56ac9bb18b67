/**
 * Sessions in Redis (connect-redis 9), so every instance of a fleet knows every signed-in
 * session. Store errors come out as DependencyUnavailableError, whichever way express-session
 * calls the store (from its middleware, or from a route that regenerates or saves the session),
 * so a sign-in fails closed with a 503 instead of a generic 500.
 */
import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import { DependencyUnavailableError } from '../../gateway/ports.js';
import { KEY_PREFIX, REDIS, type RedisClient } from './client.js';

// connect-redis's own callback type: (err, data) with data of any shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Callback = (err?: unknown, data?: any) => any;

function unavailable(error: unknown): DependencyUnavailableError {
  return error instanceof DependencyUnavailableError
    ? error
    : new DependencyUnavailableError(REDIS, { cause: error });
}

/** Calls `operation` with a callback (or none) and hands any error on as DependencyUnavailableError. */
function failClosed<T>(operation: (cb?: Callback) => Promise<T>, cb: Callback | undefined): Promise<T> {
  if (cb) return operation((err, data) => cb(err ? unavailable(err) : err, data));
  return operation().catch((error: unknown) => {
    throw unavailable(error);
  });
}

class FailClosedRedisStore extends RedisStore {
  override get(sid: string, cb?: Callback): Promise<unknown> {
    return failClosed((wrapped) => super.get(sid, wrapped), cb);
  }

  override set(sid: string, session: SessionData, cb?: Callback): Promise<unknown> {
    return failClosed((wrapped) => super.set(sid, session, wrapped), cb);
  }

  override touch(sid: string, session: SessionData, cb?: Callback): Promise<unknown> {
    return failClosed((wrapped) => super.touch(sid, session, wrapped), cb);
  }

  override destroy(sid: string, cb?: Callback): Promise<unknown> {
    return failClosed((wrapped) => super.destroy(sid, wrapped), cb);
  }
}

export const SESSION_PREFIX = `${KEY_PREFIX}sess:`;

/**
 * The express-session store over `client`. Each session expires with its cookie (the idle
 * timeout, renewed on every request); `prefix` is for tests that want keys of their own.
 */
export function redisSessionStore(client: RedisClient, options: { prefix?: string } = {}): RedisStore {
  return new FailClosedRedisStore({ client, prefix: options.prefix ?? SESSION_PREFIX });
}
