/**
 * Sessions in Redis (connect-redis 9), so every instance of a fleet knows every signed-in
 * session. Store errors come out as DependencyUnavailableError, whichever way express-session
 * calls the store (from its middleware, or from a route that regenerates or saves the session),
 * so a sign-in fails closed with a 503 instead of a generic 500.
 */
import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import { KEY_PREFIX, guarded, type RedisClient } from './client.js';

// connect-redis's own callback type: (err, data) with data of any shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Callback = (err?: unknown, data?: any) => any;

/**
 * Runs a connect-redis operation through guarded(): any error, or no reply within the client's
 * timeout, comes out as DependencyUnavailableError, by callback when there is one (exactly once,
 * even if connect-redis calls its own callback late or twice) and by the returned promise.
 */
function failClosed(
  client: RedisClient,
  operation: (cb: Callback) => Promise<unknown>,
  cb: Callback | undefined,
): Promise<unknown> {
  const result = guarded(
    client,
    () =>
      new Promise<unknown>((resolve, reject) => {
        operation((err, data) => (err ? reject(err) : resolve(data))).catch(reject);
      }),
  );
  if (!cb) return result;
  return result.then(
    (data) => cb(null, data),
    (error: unknown) => cb(error),
  );
}

class FailClosedRedisStore extends RedisStore {
  private readonly redis: RedisClient;

  constructor(options: { client: RedisClient; prefix: string }) {
    super(options);
    this.redis = options.client;
  }

  override get(sid: string, cb?: Callback): Promise<unknown> {
    return failClosed(this.redis, (done) => super.get(sid, done), cb);
  }

  override set(sid: string, session: SessionData, cb?: Callback): Promise<unknown> {
    return failClosed(this.redis, (done) => super.set(sid, session, done), cb);
  }

  override touch(sid: string, session: SessionData, cb?: Callback): Promise<unknown> {
    return failClosed(this.redis, (done) => super.touch(sid, session, done), cb);
  }

  override destroy(sid: string, cb?: Callback): Promise<unknown> {
    return failClosed(this.redis, (done) => super.destroy(sid, done), cb);
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
