/**
 * Sessions in Redis (connect-redis 9), so every instance of a fleet knows every signed-in
 * session. Store errors come out as DependencyUnavailableError, whichever way express-session
 * calls the store (from its middleware, or from a route that regenerates or saves the session),
 * so a sign-in fails closed with a 503 instead of a generic 500.
 *
 * With `store.encryption_key` set, a session holds phone numbers (the user's, one being
 * registered) and, during enrollment, an authenticator secret: what SPEC §2 keeps encrypted at
 * rest, and Redis may write its data to disk and to replicas. The session is then sealed as the
 * store's values are (adapters/crypto/key.ts), bound to the session id, so a value copied to
 * another session's key does not open; only its expiry time stays readable beside the seal, for
 * connect-redis to set the key's expiry from. A value that is not sealed is not believed.
 */
import { RedisStore } from 'connect-redis';
import { LRUCache } from 'lru-cache';
import type { SessionData } from 'express-session';
import { bindingOf, parseSealed, type SealingKey } from '../crypto/key.js';
import type { Logger, SessionListing, SessionPeek } from '../../gateway/ports.js';
import { KEY_PREFIX, guarded, type RedisCommands } from './client.js';
import { RedisSessionIndex } from './session-index.js';
import { TrackedSessionReads } from './session-reads.js';
import type { RedisClient } from './client.js';

// connect-redis's own callback type: (err, data) with data of any shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Callback = (err?: unknown, data?: any) => any;

/**
 * Runs a connect-redis operation through guarded(): any error, or no reply within the client's
 * timeout, comes out as DependencyUnavailableError, by callback when there is one (exactly once,
 * even if connect-redis calls its own callback late or twice) and by the returned promise.
 */
function failClosed(
  client: RedisCommands,
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

/**
 * A session as kept in Redis when sealed: the whole session sealed, and beside it only the time
 * it expires, which connect-redis reads to set the key's expiry. Nothing outside the seal is
 * believed when the session is read back.
 */
interface SealedSession {
  cookie: { expires: Date | string | null | undefined };
  sealed: string;
}

function isSealedSession(data: unknown): data is SealedSession {
  return typeof data === 'object' && data !== null && typeof (data as SealedSession).sealed === 'string';
}

/**
 * Sealed values opened lately, by the sealed text: opening one costs about 12 µs (most of it
 * setting up the cipher), on every proxied request. A sealed text never changes once written (a
 * new IV every time), so its plaintext cannot go stale; each entry remembers the session it
 * opened for, and the same text under another session id is opened (and refused) afresh. Bounded
 * by count and by the length of the texts kept (sessions carry the groups a directory gives).
 */
const OPENED_SESSIONS = { max: 10_000, maxSize: 16 * 1024 * 1024 };

/** Seals and opens sessions under one key; see the top of this file. */
export class SessionSealer {
  private readonly opened = new LRUCache<string, { sid: string; plaintext: string }>({
    ...OPENED_SESSIONS,
    sizeCalculation: (entry, sealed) => sealed.length + entry.plaintext.length,
  });

  constructor(
    private readonly key: SealingKey,
    private readonly logger: Logger,
  ) {}

  seal(sid: string, session: SessionData): SealedSession {
    const plaintext = JSON.stringify(session);
    const sealed = this.key.seal(plaintext, bindingOf('session', sid));
    this.opened.set(sealed, { sid, plaintext });
    return { cookie: { expires: session.cookie?.expires }, sealed };
  }

  /**
   * The session as it was written, cookie and all, from the seal alone. A value that is not
   * sealed (written before the key was set, or by someone with access to Redis) or does not open
   * (another key, another session's value, a changed value) is no session: its owner signs in
   * again, and nothing unverified is believed.
   */
  open(sid: string, data: unknown): unknown {
    if (data === null || data === undefined) return data;
    const plaintext = isSealedSession(data) ? this.plaintextOf(sid, data.sealed) : undefined;
    if (plaintext === undefined) {
      this.logger.warn('a session in redis is not sealed with store.encryption_key; treated as signed out');
      return null;
    }
    return JSON.parse(plaintext) as unknown;
  }

  private plaintextOf(sid: string, sealed: string): string | undefined {
    const known = this.opened.get(sealed);
    if (known?.sid === sid) return known.plaintext;
    const parts = parseSealed(sealed);
    const plaintext = parts && this.key.open(parts, bindingOf('session', sid));
    if (plaintext !== undefined) this.opened.set(sealed, { sid, plaintext });
    return plaintext;
  }
}

/** The user a session is signed in as, if it is (gateway/sessions.ts keeps it in `auth.user`). */
function signedInUser(data: SessionData): string | undefined {
  const user = (data as { auth?: { user?: unknown } }).auth?.user;
  return typeof user === 'string' ? user : undefined;
}

class FailClosedRedisStore extends RedisStore implements SessionListing, SessionPeek {
  private readonly redis: RedisCommands;
  private readonly sealer: SessionSealer | undefined;
  private readonly byUser: RedisSessionIndex;
  private readonly reads: TrackedSessionReads | undefined;

  constructor(options: {
    client: RedisCommands;
    prefix: string;
    sealer: SessionSealer | undefined;
    horizonMs: number;
    tracking: RedisClient | undefined;
    logger: Logger | undefined;
  }) {
    super(options);
    this.redis = options.client;
    this.sealer = options.sealer;
    this.byUser = new RedisSessionIndex(options.client, {
      prefix: indexPrefixOf(options.prefix),
      horizonMs: options.horizonMs,
    });
    const { sealer } = this;
    this.reads =
      options.tracking &&
      new TrackedSessionReads(options.tracking, {
        prefix: options.prefix,
        // As connect-redis reads a value (JSON), then opened as get() opens it.
        decode: (sid, raw) => {
          const parsed = JSON.parse(raw) as unknown;
          return (sealer ? sealer.open(sid, parsed) : parsed) as SessionData | null;
        },
        fallback: (sid, callback) => void this.get(sid, callback),
        now: () => Date.now(),
        logger: options.logger ?? silentLogger,
      });
    this.reads?.start();
  }

  /** The fast path's read: from the tracked copy when there is one (session-reads.ts). */
  peek(sid: string, callback: (error: unknown, data?: Readonly<SessionData> | null) => void): void {
    if (this.reads) this.reads.peek(sid, callback);
    else void this.get(sid, callback);
  }

  /** Whether the fast path's reads come from tracked copies now (for /metrics and tests). */
  readsTracked(): boolean {
    return this.reads?.active ?? false;
  }

  /** Stops the tracking connection, when there is one. */
  async closeReads(): Promise<void> {
    await this.reads?.close();
  }

  override get(sid: string, cb?: Callback): Promise<unknown> {
    const { sealer } = this;
    if (!sealer) return failClosed(this.redis, (done) => super.get(sid, done), cb);
    return failClosed(
      this.redis,
      (done) => super.get(sid, (err, data) => (err ? done(err) : done(null, sealer.open(sid, data)))),
      cb,
    );
  }

  override set(sid: string, session: SessionData, cb?: Callback): Promise<unknown> {
    const stored = this.sealer ? (this.sealer.seal(sid, session) as unknown as SessionData) : session;
    const user = signedInUser(session);
    this.reads?.forget(sid);
    return failClosed(
      this.redis,
      (done) =>
        super.set(sid, stored, (err) => {
          this.reads?.forget(sid);
          if (err || user === undefined) return done(err);
          this.byUser.note(user, sid).then(() => done(), done);
        }),
      cb,
    );
  }

  /** The user's sessions that are still there and still theirs; the index forgets the others. */
  async sessionsOf(user: string): Promise<{ id: string; data: SessionData }[]> {
    const ids = await guarded(this.redis, () => this.byUser.list(user));
    const found: { id: string; data: SessionData }[] = [];
    const gone: string[] = [];
    for (const id of ids) {
      const data = (await this.get(id)) as SessionData | null | undefined;
      if (data && signedInUser(data) === user) found.push({ id, data });
      else gone.push(id);
    }
    await guarded(this.redis, () => this.byUser.forget(user, gone));
    return found;
  }

  // A write of this instance drops its copy before and after (session-reads.ts).
  override touch(sid: string, session: SessionData, cb?: Callback): Promise<unknown> {
    this.reads?.forget(sid);
    return failClosed(this.redis, (done) => super.touch(sid, session, this.forgetting(sid, done)), cb);
  }

  override destroy(sid: string, cb?: Callback): Promise<unknown> {
    this.reads?.forget(sid);
    return failClosed(this.redis, (done) => super.destroy(sid, this.forgetting(sid, done)), cb);
  }

  private forgetting(sid: string, done: Callback): Callback {
    return (err, data) => {
      this.reads?.forget(sid);
      return done(err, data);
    };
  }
}

export const SESSION_PREFIX = `${KEY_PREFIX}sess:`;

/** Where the index by user lives beside the sessions: 'stepgate:sess:' -> 'stepgate:sess-by-user:'. */
function indexPrefixOf(prefix: string): string {
  return `${prefix.endsWith(':') ? prefix.slice(0, -1) : prefix}-by-user:`;
}

/** Session.absolute_timeout plus idle_timeout at their defaults: how long a session may outlive its last write. */
export const DEFAULT_SESSION_HORIZON_MS = 12.5 * 3_600_000;

/**
 * The express-session store over `client`. Each session expires with its cookie (the idle
 * timeout, renewed at most once a minute); `prefix` is for tests that want keys of their own;
 * `sealer` seals sessions at rest (store.encryption_key); `horizonMs`, the longest a session
 * lives after it is last written (absolute plus idle timeout), bounds the index by user.
 */
export function redisSessionStore(
  client: RedisCommands,
  options: {
    prefix?: string;
    sealer?: SessionSealer;
    horizonMs?: number;
    /** A second client of the same node, not connected: the fast path's reads are then tracked. */
    tracking?: RedisClient | undefined;
    logger?: Logger;
  } = {},
): RedisStore & SessionListing & SessionPeek & { closeReads(): Promise<void>; readsTracked(): boolean } {
  return new FailClosedRedisStore({
    client,
    prefix: options.prefix ?? SESSION_PREFIX,
    sealer: options.sealer,
    horizonMs: options.horizonMs ?? DEFAULT_SESSION_HORIZON_MS,
    tracking: options.tracking,
    logger: options.logger,
  });
}

const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
