/**
 * Two gateway instances sharing one Redis (each with its own connection), as a fleet behind a
 * load balancer: a session signed in on one is honoured by the other, and the SMS limit holds
 * across both (SPEC §1.5: "The limit must hold across several gateway instances sharing one Redis"),
 * as does the sign-in throttle. Anonymous visitors write no session key.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { trackingClient, type RedisConnection } from '../../adapters/redis/client.js';
import { RedisLimiter } from '../../adapters/redis/limiter.js';
import { RedisReplayCache } from '../../adapters/redis/replay-cache.js';
import { redisSessionStore } from '../../adapters/redis/session-store.js';
import { silentLogger } from '../../bin/logger.js';
import { TestClock } from '../helpers/clock.js';
import { openRedisPair, TEST_REDIS_URL, type RedisPair } from '../helpers/redis.js';
import {
  BASE,
  BOB_MOBILE,
  NO_PROMPT,
  RATE_LIMITED,
  confirmBy,
  flowGateway,
  messagesTo,
  send,
  sessionCookie,
  signIn,
  type FlowGateway,
} from '../helpers/flow.js';
import { TEST_PASSWORD } from '../helpers/gateway.js';

const url = TEST_REDIS_URL;
const prefix = `stepgate-test:${randomUUID()}:`;

const trackedStores: { closeReads(): Promise<void> }[] = [];

let pair: RedisPair;
let connections: RedisConnection[] = [];

beforeAll(async () => {
  pair = await openRedisPair(url);
  connections = [pair.here, pair.there];
});

afterAll(async () => {
  for (const store of trackedStores) await store.closeReads();
  await pair.close(prefix);
});

/**
 * Two gateways on one clock, each over its own Redis connection, sharing the keys of this test;
 * `tracked`: each also reads proxied requests' sessions through a tracking connection, as
 * bin/compose.ts wires one node (adapters/redis/session-reads.ts).
 */
async function fleet(options: { tracked?: boolean } = {}): Promise<[FlowGateway, FlowGateway]> {
  const clock = new TestClock();
  const own = `${prefix}${randomUUID()}:`;
  const start = async (redis: RedisConnection | undefined) => {
    if (!redis) throw new Error('no Redis connection');
    const tracking = options.tracked
      ? trackingClient({ kind: 'node', url }, { logger: silentLogger })
      : undefined;
    const sessions = redisSessionStore(redis.client, {
      prefix: `${own}sess:`,
      tracking,
      logger: silentLogger,
    });
    trackedStores.push(sessions);
    // Connected, and Redis has shown that it sends this connection its invalidations.
    if (tracking) await vi.waitFor(() => expect(sessions.readsTracked()).toBe(true), { timeout: 5_000 });
    return flowGateway({
      policy: NO_PROMPT,
      clock,
      sessions,
      limiter: new RedisLimiter(redis.client, { prefix: own, clock }),
      replayCache: new RedisReplayCache(redis.client, clock, { prefix: own }),
    });
  };
  return [await start(connections[0]), await start(connections[1])];
}

/** A JSON request to `gw` carrying a session cookie obtained elsewhere. */
function withCookie(gw: FlowGateway, cookie: string) {
  return {
    get: (path: string) => request(gw.app).get(path).set('Accept', 'application/json').set('Cookie', cookie),
    post: (path: string, body: object) =>
      request(gw.app).post(path).set('Accept', 'application/json').set('Cookie', cookie).send(body),
  };
}

describe('a fleet sharing one Redis', () => {
  it('honours on one instance a session signed in and confirmed on the other, and signs out everywhere', async () => {
    const [a, b] = await fleet();
    const { agent, cookie: signInCookie } = await signIn(a, 'alice');
    const confirmed = await confirmBy(a, agent, 'email', 'alice@example.com');
    const cookie = sessionCookie(confirmed) ?? signInCookie;
    if (cookie === undefined) throw new Error('no session cookie');

    const viaB = await withCookie(b, cookie).get('/reports/today');
    expect(viaB.status).toBe(200);
    expect(b.upstream.received.at(-1)?.headers['x-stepgate-user']).toBe('alice');
    expect(a.upstream.received).toHaveLength(0);

    expect((await withCookie(b, cookie).post(`${BASE}/logout`, {})).status).toBe(200);
    const afterLogout = await withCookie(a, cookie).get('/reports/today');
    expect(afterLogout.status).toBe(401);
    expect(a.upstream.received).toHaveLength(0);
  });

  it('signs out everywhere at once where proxied requests read the session from a tracked copy', async () => {
    const [a, b] = await fleet({ tracked: true });
    const { agent, cookie: signInCookie } = await signIn(a, 'alice');
    const confirmed = await confirmBy(a, agent, 'email', 'alice@example.com');
    const cookie = sessionCookie(confirmed) ?? signInCookie;
    if (cookie === undefined) throw new Error('no session cookie');
    // Twice on each instance: the second is served from the copy each keeps.
    for (const gw of [a, b, a, b])
      expect((await withCookie(gw, cookie).get('/reports/today')).status).toBe(200);
    expect(a.upstream.received).toHaveLength(2);
    expect(b.upstream.received).toHaveLength(2);

    expect((await withCookie(b, cookie).post(`${BASE}/logout`, {})).status).toBe(200);
    // Redis pushed the invalidation to a's tracking connection before it answered b's DEL.
    expect((await withCookie(a, cookie).get('/reports/today')).status).toBe(401);
    expect((await withCookie(b, cookie).get('/reports/today')).status).toBe(401);
    expect(a.upstream.received).toHaveLength(2);
  });

  it('refuses the sixth SMS in an hour whichever instance sends it (SPEC §1.5)', async () => {
    const [a, b] = await fleet();
    const { agent, cookie } = await signIn(a, 'bob');
    if (cookie === undefined) throw new Error('no session cookie');
    const onB = withCookie(b, cookie);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await send(agent, 'sms')).status);
    for (let i = 0; i < 2; i += 1)
      statuses.push((await onB.post(`${BASE}/confirm/send`, { method: 'sms' })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);

    const sixthOnB = await onB.post(`${BASE}/confirm/send`, { method: 'sms' });
    expect(sixthOnB.status).toBe(429);
    expect(sixthOnB.body).toMatchObject({ error: 'rate_limited', message: RATE_LIMITED });
    const sixthOnA = await send(agent, 'sms');
    expect(sixthOnA.status).toBe(429);
    expect(sixthOnA.body.message).toBe(RATE_LIMITED);
    expect(messagesTo(a, 'sms', BOB_MOBILE)).toHaveLength(3);
    expect(messagesTo(b, 'sms', BOB_MOBILE)).toHaveLength(2);
  });

  it('stores no session key for anonymous page loads, and one for a sign-in', async () => {
    const own = `${prefix}anonymous:${randomUUID()}:`;
    const redis = connections[0];
    if (!redis) throw new Error('no Redis connection');
    const gw = await flowGateway({
      policy: NO_PROMPT,
      sessions: redisSessionStore(redis.client, { prefix: own }),
    });
    for (const [path, accept] of [
      [`${BASE}/login`, 'text/html'],
      [`${BASE}/login`, 'application/json'],
      [`${BASE}/confirm`, 'text/html'],
      ['/reports', 'text/html'],
      ['/api/data', 'application/json'],
    ] as const) {
      expect(sessionCookie(await request(gw.app).get(path).set('Accept', accept))).toBeUndefined();
    }
    expect(await redis.client.keys(`${own}*`)).toEqual([]);
    await signIn(gw, 'alice');
    expect(await redis.client.keys(`${own}*`)).toHaveLength(1);
  });

  it('throttles password guessing whichever instance each guess reaches', async () => {
    const [a, b] = await fleet();
    const login = (gw: FlowGateway, password: string) =>
      request(gw.app)
        .post(`${BASE}/login`)
        .set('Accept', 'application/json')
        .send({ username: 'alice', password });
    const guesses = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        login(i % 2 === 0 ? a : b, `guess ${i}`).then((res) => res.status),
      ),
    );
    expect(guesses.filter((status) => status === 401)).toHaveLength(10);
    expect(guesses.filter((status) => status === 429)).toHaveLength(6);
    for (const gw of [a, b]) {
      const right = await login(gw, TEST_PASSWORD);
      expect(right.status).toBe(429);
      expect(right.body.error).toBe('sign_in_throttled');
    }
  });
});
