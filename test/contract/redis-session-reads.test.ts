/**
 * The fast path's session reads kept current by Redis (adapters/redis/session-reads.ts), on the
 * shared test Redis: a session is read once, then from the copy, and the copy goes the moment
 * another connection changes, renews or deletes the key, when the tracking connection is lost,
 * and when the key's expiry passes.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { SessionData } from 'express-session';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { trackingClient, type RedisClient, type RedisConnection } from '../../adapters/redis/client.js';
import { SessionSealer, redisSessionStore } from '../../adapters/redis/session-store.js';
import { TrackedSessionReads } from '../../adapters/redis/session-reads.js';
import { SealingKey } from '../../adapters/crypto/key.js';
import { silentLogger } from '../../bin/logger.js';
import { get, sessionData, set } from './redis-session-store-contract.js';
import { openRedisPair, type RedisPair } from '../helpers/redis.js';

const url = process.env.STEPGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `stepgate-test:${randomUUID()}:sess:`;

let pair: RedisPair;
let redis: RedisConnection;
let other: RedisConnection;
const opened: { closeReads(): Promise<void> }[] = [];

beforeAll(async () => {
  pair = await openRedisPair(url);
  ({ here: redis, there: other } = pair);
});

afterAll(async () => {
  await Promise.all(opened.map((store) => store.closeReads()));
  await pair.close(prefix);
});

/** A store whose fast-path reads are tracked, and a count of the reads that reached Redis. */
async function trackedStore(options: { sealer?: SessionSealer } = {}) {
  const tracking = trackingClient({ kind: 'node', url }, { logger: silentLogger });
  if (!tracking) throw new Error('no tracking client for one node');
  const reads = { count: 0 };
  const get = tracking.get.bind(tracking);
  Object.defineProperty(tracking, 'get', {
    value: (key: string) => {
      if (key.startsWith(prefix)) reads.count += 1;
      return get(key);
    },
  });
  const store = redisSessionStore(redis.client, {
    prefix,
    tracking,
    logger: silentLogger,
    ...(options.sealer && { sealer: options.sealer }),
  });
  opened.push(store);
  // Connected, and Redis has shown that it sends this connection its invalidations.
  await vi.waitFor(() => expect(store.readsTracked()).toBe(true), { timeout: 5_000, interval: 20 });
  return { store, tracking, reads };
}

function peek(store: { peek: TrackedSessionReads['peek'] }, sid: string) {
  return new Promise<Readonly<SessionData> | null | undefined>((resolve, reject) =>
    store.peek(sid, (error, data) => (error ? reject(error) : resolve(data))),
  );
}

/**
 * Waits until every invalidation Redis sent before now has reached `tracking`: Redis writes an
 * invalidation on the tracking connection when the key changes, before the reply to this PING.
 */
async function settled(tracking: RedisClient): Promise<void> {
  await tracking.ping();
}

const returnTo = (data: Readonly<SessionData> | null | undefined) =>
  (data as { returnTo?: string } | null)?.returnTo;

describe('session reads kept current by Redis (CLIENT TRACKING)', () => {
  it('reads a session once, then from the copy, frozen', async () => {
    const { store, reads } = await trackedStore();
    const sid = randomUUID();
    await set(store, sid, sessionData('alice'));
    expect(returnTo(await peek(store, sid))).toBe('/for/alice');
    const again = await peek(store, sid);
    expect(returnTo(again)).toBe('/for/alice');
    expect(reads.count).toBe(1);
    expect(Object.isFrozen(again)).toBe(true);
    expect(() => {
      (again as { returnTo?: string }).returnTo = '/elsewhere';
    }).toThrow(TypeError);
  });

  it('drops the copy when another connection changes, renews or deletes the session', async () => {
    const { store, tracking, reads } = await trackedStore();
    const elsewhere = redisSessionStore(other.client, { prefix });
    const sid = randomUUID();
    await set(store, sid, sessionData('alice'));
    expect(returnTo(await peek(store, sid))).toBe('/for/alice');

    await set(elsewhere, sid, sessionData('bob'));
    await settled(tracking);
    expect(returnTo(await peek(store, sid))).toBe('/for/bob');
    expect(reads.count).toBe(2);

    // express-session's renewal of an unchanged session: EXPIRE only.
    await new Promise<void>((resolve, reject) =>
      elsewhere.touch(sid, sessionData('bob'), (error) => (error ? reject(error) : resolve())),
    );
    await settled(tracking);
    await peek(store, sid);
    expect(reads.count).toBe(3);

    await new Promise<void>((resolve, reject) =>
      elsewhere.destroy(sid, (error) => (error ? reject(error) : resolve())),
    );
    await settled(tracking);
    expect(await peek(store, sid)).toBeNull();
  });

  it('drops the copy of a session this instance writes or deletes, before Redis says so', async () => {
    const { store } = await trackedStore();
    const sid = randomUUID();
    await set(store, sid, sessionData('alice'));
    await peek(store, sid);
    await peek(store, sid);
    // In the write's own callback: the invalidation may still be on its way.
    const afterSet = await new Promise((resolve, reject) =>
      store.set(sid, sessionData('bob'), (error) => (error ? reject(error) : resolve(peek(store, sid)))),
    );
    expect(returnTo(afterSet as SessionData)).toBe('/for/bob');
    await peek(store, sid);
    const afterDestroy = await new Promise((resolve, reject) =>
      store.destroy(sid, (error) => (error ? reject(error) : resolve(peek(store, sid)))),
    );
    expect(afterDestroy).toBeNull();
  });

  it('does not use a copy past its key’s expiry', async () => {
    const { store, reads } = await trackedStore();
    // Reads through the store's own connection count too: past the heartbeat's bound, they are used.
    const viaStore = store.get.bind(store);
    store.get = ((sid: string, callback: Parameters<typeof store.get>[1]) => {
      reads.count += 1;
      return viaStore(sid, callback);
    }) as typeof store.get;
    const sid = randomUUID();
    await set(store, sid, sessionData('alice', 60_000));
    await peek(store, sid);
    await peek(store, sid);
    expect(reads.count).toBe(1);
    // The store's clock is Date.now, moved past the key's 60 s.
    const real = Date.now;
    const later = real() + 61_000;
    Date.now = () => later;
    try {
      await peek(store, sid);
    } finally {
      Date.now = real;
    }
    expect(reads.count).toBe(2);
  });

  it('drops every copy and reads through the store when the tracking connection is lost', async () => {
    const { store, tracking, reads } = await trackedStore();
    const sid = randomUUID();
    await set(store, sid, sessionData('alice'));
    await peek(store, sid);
    const id = await tracking.clientId();
    const reconnected = new Promise<void>((resolve) => tracking.once('ready', () => resolve()));
    await other.client.sendCommand(['CLIENT', 'KILL', 'ID', String(id)]);
    // While it reconnects, or once it is back: a changed session is never read from a copy.
    await set(redisSessionStore(other.client, { prefix }), sid, sessionData('carol'));
    expect(returnTo(await peek(store, sid))).toBe('/for/carol');
    expect(returnTo(await get(store, sid))).toBe('/for/carol');
    await reconnected;
    await vi.waitFor(() => expect(store.readsTracked()).toBe(true), { timeout: 5_000, interval: 20 });
    const before = reads.count;
    expect(returnTo(await peek(store, sid))).toBe('/for/carol');
    expect(reads.count).toBe(before + 1);
  });

  it('opens sealed sessions as get() does, and never believes an unsealed one', async () => {
    const sealer = new SessionSealer(new SealingKey(Buffer.alloc(32, 3)), silentLogger);
    const { store } = await trackedStore({ sealer });
    const sid = randomUUID();
    await set(store, sid, sessionData('alice'));
    expect(returnTo(await peek(store, sid))).toBe('/for/alice');
    const plain = randomUUID();
    await set(redisSessionStore(other.client, { prefix }), plain, sessionData('mallory'));
    expect(await peek(store, plain)).toBeNull();
  });
});

describe('a server that accepts tracking but sends no invalidation', () => {
  it('is never read from a copy, and the log says why', async () => {
    const warnings: string[] = [];
    const client = Object.assign(new EventEmitter(), {
      isReady: true,
      gets: 0,
      get(): Promise<string> {
        client.gets += 1;
        return Promise.resolve(JSON.stringify({ returnTo: '/x' }));
      },
      set: () => Promise.resolve('OK'),
      del: () => Promise.resolve(1),
      ping: () => Promise.resolve('PONG'),
      pTTL: () => Promise.resolve(60_000),
    });
    let fallbacks = 0;
    const reads = new TrackedSessionReads(client as unknown as RedisClient, {
      prefix: 'p:',
      decode: (_sid, raw) => JSON.parse(raw) as SessionData,
      fallback: (_sid, callback) => {
        fallbacks += 1;
        callback(null, null);
      },
      now: () => Date.now(),
      logger: { ...silentLogger, warn: (message: string) => warnings.push(message) },
    });
    client.emit('ready');
    await vi.waitFor(() => expect(warnings).toHaveLength(1), { timeout: 5_000 });
    expect(warnings[0]).toContain('no invalidation');
    expect(reads.active).toBe(false);
    reads.peek('s', () => undefined);
    reads.peek('s', () => undefined);
    expect(fallbacks).toBe(2);
    await reads.close();
  });
});

describe('a reply overtaken by an invalidation', () => {
  /** A client that answers GET only after the test lets it, to put an invalidation first. */
  class SlowClient extends EventEmitter {
    isReady = true;
    answers: (() => void)[] = [];
    values = new Map<string, string>();
    gets = 0;
    /** The value as Redis would read it now, handed over when the test says. */
    get(key: string): Promise<string | null> {
      if (key.includes('tracking-proof')) return Promise.resolve(null);
      this.gets += 1;
      const value = this.values.get(key) ?? null;
      return new Promise((resolve) => this.answers.push(() => resolve(value)));
    }
    pTTL(): Promise<number> {
      return Promise.resolve(60_000);
    }
    ping(): Promise<string> {
      return Promise.resolve('PONG');
    }
    /** Redis invalidates a tracked key for the connection that wrote it too. */
    set(key: string): Promise<string> {
      setImmediate(() => this.emit('invalidate', key));
      return Promise.resolve('OK');
    }
    del(): Promise<number> {
      return Promise.resolve(1);
    }
  }

  it('is handed to its caller (it was true when read) but not kept', async () => {
    const client = new SlowClient();
    const reads = new TrackedSessionReads(client as unknown as RedisClient, {
      prefix: 'p:',
      decode: (_sid, raw) => JSON.parse(raw) as SessionData,
      fallback: () => {
        throw new Error('not expected');
      },
      now: () => Date.now(),
      logger: silentLogger,
    });
    client.emit('ready');
    // The proof that invalidations arrive, then the first PING's reply.
    for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
    client.values.set('p:s', JSON.stringify({ returnTo: '/old' }));
    const first = new Promise((resolve) => reads.peek('s', (_error, data) => resolve(data)));
    await new Promise((resolve) => setImmediate(resolve));
    // The session changes while the read is on its way, and its invalidation arrives first.
    client.values.set('p:s', JSON.stringify({ returnTo: '/new' }));
    client.emit('invalidate', 'p:s');
    client.answers.shift()?.();
    expect(returnTo((await first) as SessionData)).toBe('/old');
    const second = new Promise((resolve) => reads.peek('s', (_error, data) => resolve(data)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.gets).toBe(2);
    client.answers.shift()?.();
    expect(returnTo((await second) as SessionData)).toBe('/new');
  });
});
