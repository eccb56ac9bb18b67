/**
 * The proxied request's session reads (ports.ts SessionPeek) from a copy in this process that
 * Redis itself keeps current: Redis server-assisted client-side caching (CLIENT TRACKING, RESP3).
 * A connection of its own reads each session once; Redis remembers that this connection read the
 * key and, the moment any client of the fleet changes, renews, deletes or expires it, pushes an
 * `invalidate` for it on this very connection, and the copy is dropped. Reading a session from
 * Redis on every proxied request cost more than the rest of the request together (a command
 * written, a reply read, Redis woken, the value opened and parsed: docs/benchmarks.md).
 *
 * Never more stale than Redis's own delivery of an invalidation, and fail closed:
 * - a copy is used only while the tracking connection is up; the moment it errs, ends or
 *   reconnects, every copy is dropped (an invalidation may have been lost with the connection),
 *   and reads go to the store's own connection, which fails closed as before;
 * - and only once Redis has shown that it sends invalidations on this connection: after each
 *   (re)connection a key of its own is read and then written, and copies are used only once its
 *   invalidation has come back (a server or proxy that accepts CLIENT TRACKING but never
 *   invalidates would otherwise leave copies in place until their keys expire);
 * - and only while Redis is heard from: the connection PINGs every HEARTBEAT_MS, and copies are
 *   used only within STALE_AFTER_MS of the last reply. A reply to a PING means every invalidation
 *   Redis sent before it has arrived, so a Redis that hangs or a network that drops packets
 *   without closing the connection stops the copies within that bound, and requests then wait on
 *   Redis and fail closed (503) like every other read;
 * - a reply is kept only when no invalidation arrived between its command and its reply (node-redis
 *   hands a reply over in a promise, after the pushes that followed it in the same packet);
 * - a copy is not used past its key's expiry, read with it (Redis expires keys lazily: the
 *   key's invalidation can come later than its expiry; a renewal, EXPIRE, invalidates the copy);
 * - a session this instance writes or deletes is dropped from the copies before and after the
 *   write (its invalidation comes later, on this other connection);
 * - only sessions are copied, frozen, and bounded in number and in size.
 *
 * One Redis node only: through Sentinel or Cluster the fast path reads Redis on every request.
 */
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { SessionData } from 'express-session';
import type { RedisClientType } from 'redis';
import type { Logger, SessionPeek } from '../../gateway/ports.js';
import { frozenSession } from '../../gateway/sessions.js';
import { KEY_PREFIX, guarded } from './client.js';

/** How many sessions are kept (the ones in use), and how many bytes of their text at most. */
const KEPT_SESSIONS = 10_000;
const KEPT_BYTES = 32 * 1024 * 1024;
/** How long a new connection may take to show that it receives invalidations. */
const PROOF_MS = 2_000;
/** How often the tracking connection asks Redis whether it is there. */
export const HEARTBEAT_MS = 500;
/** How long after Redis last answered the copies are still used. */
export const STALE_AFTER_MS = 1_500;

interface Copy {
  data: Readonly<SessionData>;
  /** The length of the text it was read from: what the copies' size is counted in. */
  size: number;
  /** When the session's key expires in Redis (read with it), in ms; Infinity when it does not. */
  expiresAt: number;
}

/** What a stored value becomes: the session as express-session would get it, or null. */
export type SessionDecoder = (sid: string, raw: string) => SessionData | null;

type Callback = (error: unknown, data?: Readonly<SessionData> | null) => void;

export class TrackedSessionReads implements SessionPeek {
  private readonly copies = new LRUCache<string, Copy>({
    max: KEPT_SESSIONS,
    maxSize: KEPT_BYTES,
    sizeCalculation: (copy) => Math.max(1, copy.size),
  });
  /** Counts invalidations, forgets and connection changes: a reply is kept only if none came meanwhile. */
  private generation = 0;
  /** Counts connections: a PING's reply or a proof counts only on the connection it was made on. */
  private epoch = 0;
  private tracking = false;
  /** Keys written to prove that invalidations arrive, each with what to call when its invalidation does. */
  private readonly proofs = new Map<string, () => void>();
  private warnedUnproven = false;
  /** When Redis last answered on the tracking connection (options.now()); 0: not since it connected. */
  private lastHeard = 0;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: RedisClientType,
    private readonly options: {
      prefix: string;
      decode: SessionDecoder;
      /** Where to read when the tracking connection is down: the store's own get. */
      fallback: (sid: string, callback: Callback) => void;
      now: () => number;
      logger: Logger;
    },
  ) {
    client.on('invalidate', (key: unknown) => {
      this.generation += 1;
      if (key === null || key === undefined) {
        this.copies.clear();
        for (const proved of this.proofs.values()) proved();
        return;
      }
      const name = String(key);
      this.copies.delete(name);
      this.proofs.get(name)?.();
    });
    client.on('ready', () => {
      this.reset();
      void this.prove(this.epoch);
    });
    client.on('error', () => this.reset());
    client.on('end', () => this.reset());
    client.on('reconnecting', () => this.reset());
  }

  /** Connects in the background; until it is up, reads fall back to the store's connection. */
  start(): void {
    this.heartbeat = setInterval(() => this.listen(), HEARTBEAT_MS);
    this.heartbeat.unref();
    this.client.connect().catch((error: unknown) => {
      this.options.logger.warn('redis session tracking connection failed; sessions are read from redis', {
        error: error instanceof Error ? error.message : String(error),
      });
    });
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.reset();
    if (this.client.isOpen) this.client.destroy();
  }

  /** Whether copies are being used now (connected, proved, heard from lately). */
  get active(): boolean {
    return this.tracking && this.client.isReady && this.options.now() - this.lastHeard <= STALE_AFTER_MS;
  }

  /** A session this instance writes or deletes: its copy goes now, not when Redis says so. */
  forget(sid: string): void {
    this.generation += 1;
    this.copies.delete(`${this.options.prefix}${sid}`);
  }

  /** A new connection, or none: no copy is used until the connection has proved itself. */
  private reset(): void {
    this.tracking = false;
    this.epoch += 1;
    this.generation += 1;
    this.copies.clear();
    this.lastHeard = 0;
  }

  /**
   * Reads a key of its own, then writes it: Redis must send its invalidation back on this
   * connection before any copy is used. A server that does not is read on every request.
   */
  private async prove(epoch: number): Promise<void> {
    const key = `${KEY_PREFIX}tracking-proof:${randomUUID()}`;
    let timer: NodeJS.Timeout | undefined;
    const proved = new Promise<boolean>((resolve) => {
      this.proofs.set(key, () => resolve(true));
      timer = setTimeout(() => resolve(false), PROOF_MS);
      timer.unref();
    });
    let ok = false;
    try {
      await guarded(this.client, () => this.client.get(key));
      await guarded(this.client, () =>
        this.client.set(key, '1', { expiration: { type: 'PX', value: 10_000 } }),
      );
      ok = await proved;
    } catch {
      ok = false;
    } finally {
      clearTimeout(timer);
      this.proofs.delete(key);
      this.client.del(key).catch(() => undefined);
    }
    if (epoch !== this.epoch) return;
    if (!ok) {
      if (!this.warnedUnproven) {
        this.warnedUnproven = true;
        this.options.logger.warn(
          'redis sent no invalidation on the session tracking connection; sessions are read from redis on every request',
        );
      }
      return;
    }
    this.tracking = true;
    this.listen();
  }

  /** One PING; its reply says every invalidation sent before it has arrived. */
  private listen(): void {
    if (!this.tracking || !this.client.isReady) return;
    const asked = this.options.now();
    const { epoch } = this;
    this.client.ping().then(
      () => {
        if (epoch === this.epoch) this.lastHeard = Math.max(this.lastHeard, asked);
      },
      () => undefined,
    );
  }

  /** Whether copies may be used now: connected, tracking, and heard from lately. */
  private current(): boolean {
    if (this.active) return true;
    // Not heard from lately: nothing kept until then is believed again.
    if (this.copies.size > 0) {
      this.generation += 1;
      this.copies.clear();
    }
    return false;
  }

  peek(sid: string, callback: Callback): void {
    if (!this.current()) return this.options.fallback(sid, callback);
    const key = `${this.options.prefix}${sid}`;
    const copy = this.copies.get(key);
    if (copy !== undefined) {
      if (copy.expiresAt > this.options.now()) return callback(null, copy.data);
      this.copies.delete(key);
    }
    const asked = this.generation;
    const readAt = this.options.now();
    // One round trip: node-redis writes commands of the same tick together.
    guarded(this.client, () => Promise.all([this.client.get(key), this.client.pTTL(key)])).then(
      ([raw, ttl]) => {
        let data: SessionData | null;
        try {
          data = raw === null ? null : this.options.decode(sid, String(raw));
        } catch (error) {
          return callback(error);
        }
        if (data === null) return callback(null, null);
        const shared = frozenSession(data);
        if (asked === this.generation && this.tracking) {
          // -1: no expiry; -2: gone between the two commands (not kept).
          const expiresAt = ttl === -1 ? Number.POSITIVE_INFINITY : readAt + ttl;
          if (ttl !== -2) this.copies.set(key, { data: shared, expiresAt, size: String(raw).length });
        }
        callback(null, shared);
      },
      (error: unknown) => callback(error),
    );
  }
}
