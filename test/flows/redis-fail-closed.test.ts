/**
 * Redis going away fails closed and coming back recovers by itself: while it is down, requests
 * that need a session or a limit get a clear 503 (never a 500, never a pass-through to the
 * upstream) and /readyz says not ready; once it is back the same gateway works again, with no
 * restart. Runs a redis-server of its own on a spare port: the shared test Redis is never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectRedis, trackingClient, type RedisConnection } from '../../adapters/redis/client.js';
import { RedisLimiter } from '../../adapters/redis/limiter.js';
import { RedisReplayCache } from '../../adapters/redis/replay-cache.js';
import { redisSessionStore } from '../../adapters/redis/session-store.js';
import { silentLogger } from '../../bin/logger.js';
import { DependencyUnavailableError } from '../../gateway/ports.js';
import { TestClock } from '../helpers/clock.js';
import {
  BASE,
  BOB_MOBILE,
  NO_PROMPT,
  confirmBy,
  csrfTokenOf,
  flowGateway,
  jsonAgent,
  send,
  signIn,
  type FlowGateway,
} from '../helpers/flow.js';
import { TEST_PASSWORD } from '../helpers/gateway.js';

const REDIS_SERVER = process.env.STEPGATE_TEST_REDIS_SERVER ?? 'redis-server';
const UNAVAILABLE = { error: 'unavailable', message: 'Sign-in is unavailable right now. Try again shortly.' };

async function sparePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves when something on `port` answers PING like Redis does. */
function answersPing(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1_000, () => socket.destroy(new Error('no answer')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      if (data.toString().startsWith('+PONG')) resolve();
      else reject(new Error(`unexpected answer: ${data.toString()}`));
    });
  });
}

/** A throwaway redis-server: no persistence, so a restart also forgets everything. */
class PrivateRedis {
  private child: ChildProcess | undefined;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    this.child = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
    await vi.waitFor(() => answersPing(this.port), { timeout: 10_000, interval: 50 });
  }

  /** SIGSTOP: the server keeps its connections open but answers nothing, like a hung host. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}

let redisServer: PrivateRedis;
let redis: RedisConnection;

beforeAll(async () => {
  redisServer = new PrivateRedis(await sparePort());
  await redisServer.start();
  redis = connectRedis(redisServer.url, { logger: silentLogger });
  if (!(await redis.waitUntilReady(5_000))) throw new Error('the private redis-server does not answer');
});

afterAll(async () => {
  await redis?.close();
  await redisServer?.kill();
});

/** A gateway whose sessions, limits and readiness all depend on the private Redis. */
function redisGateway(clock: TestClock): Promise<FlowGateway> {
  return flowGateway({
    policy: NO_PROMPT,
    clock,
    sessions: redisSessionStore(redis.client),
    limiter: new RedisLimiter(redis.client, { clock }),
    replayCache: new RedisReplayCache(redis.client, clock),
    health: { redis: () => redis.ping() },
  });
}

describe('when Redis goes away and comes back', () => {
  it('answers 503 while it is down, and works again once it is back, without a restart', async () => {
    const clock = new TestClock();
    const gw = await redisGateway(clock);
    // Sessions in memory, limits in Redis: shows a limiter failure alone also fails closed.
    const limitsOnly = await flowGateway({
      policy: NO_PROMPT,
      clock,
      limiter: new RedisLimiter(redis.client, { clock }),
    });

    const { agent } = await signIn(gw, 'alice');
    await confirmBy(gw, agent, 'email', 'alice@example.com');
    expect((await agent.get('/reports')).status).toBe(200);
    const { agent: bob } = await signIn(limitsOnly, 'bob');
    expect((await send(bob, 'sms')).status).toBe(200);
    const browser = request.agent(gw.app);
    const loginPage = await browser.get(`${BASE}/login`).set('Accept', 'text/html');
    expect(loginPage.status).toBe(200);
    const ready = await request(gw.app).get(`${BASE}/readyz`);
    expect(ready.body.checks).toEqual({ store: 'ok', limiter: 'ok', redis: 'ok' });

    await redisServer.kill();
    const forwardedBefore = gw.upstream.received.length;

    const proxied = await agent.get('/reports');
    expect(proxied.status).toBe(503);
    expect(proxied.body).toEqual(UNAVAILABLE);
    const page = await agent.get('/reports').set('Accept', 'text/html');
    expect(page.status).toBe(503);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain(UNAVAILABLE.message);
    expect(gw.upstream.received).toHaveLength(forwardedBefore);

    // Signing in again with the session cookie, without one, and from the sign-in form.
    const again = await agent.post(`${BASE}/login`).send({ username: 'alice', password: TEST_PASSWORD });
    expect(again.status).toBe(503);
    expect(again.body).toEqual(UNAVAILABLE);
    const fresh = await jsonAgent(gw)
      .post(`${BASE}/login`)
      .send({ username: 'alice', password: TEST_PASSWORD });
    expect(fresh.status).toBe(503);
    expect(fresh.body).toEqual(UNAVAILABLE);
    const form = await browser
      .post(`${BASE}/login`)
      .set('Accept', 'text/html')
      .type('form')
      .send({ username: 'alice', password: TEST_PASSWORD, _csrf: csrfTokenOf(loginPage.text) });
    expect(form.status).toBe(503);
    expect(form.text).toContain(UNAVAILABLE.message);

    const limited = await send(bob, 'sms');
    expect(limited.status).toBe(503);
    expect(limited.body).toEqual(UNAVAILABLE);
    expect(limitsOnly.outbox().filter((entry) => entry.to === BOB_MOBILE)).toHaveLength(1);
    // A lock guard that could not ask the limiter locked nobody: the audit trail and the lockout
    // alert must not say so.
    const bobHistory = await limitsOnly.store.queryHistory({ user: 'bob', limit: 100 });
    expect(bobHistory.map((entry) => entry.status)).not.toContain('Locked');
    const verifying = await bob.post(`${BASE}/confirm/verify`).send({ method: 'sms', code: '000000' });
    expect(verifying.status).toBe(503);
    expect((await limitsOnly.store.queryHistory({ user: 'bob', limit: 100 })).map((e) => e.status)).toEqual(
      bobHistory.map((entry) => entry.status),
    );

    const notReady = await request(gw.app).get(`${BASE}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.body).toEqual({
      status: 'not_ready',
      checks: { store: 'ok', limiter: 'unavailable', redis: 'unavailable' },
    });

    await redisServer.start();
    await vi.waitFor(async () => expect((await request(gw.app).get(`${BASE}/readyz`)).status).toBe(200), {
      timeout: 10_000,
      interval: 100,
    });

    // The restarted Redis kept nothing, so the old session is simply signed out (401, not 503).
    expect((await agent.get('/reports')).status).toBe(401);
    // Her network was confirmed before the outage (the store keeps that), so no challenge now.
    const { agent: back, next } = await signIn(gw, 'alice');
    expect(next).toBe('done');
    const forwarded = await back.get('/reports');
    expect(forwarded.status).toBe(200);
    expect(gw.upstream.received.at(-1)?.headers['x-stepgate-user']).toBe('alice');
    // Redis lost its script cache with everything else: the limiter loads its scripts again.
    expect((await send(bob, 'sms')).status).toBe(200);
  });

  it('stops reading sessions from tracked copies when Redis hangs: proxied requests fail closed', async () => {
    const hung = connectRedis(redisServer.url, { logger: silentLogger, commandTimeoutMs: 200 });
    const tracking = trackingClient(
      { kind: 'node', url: redisServer.url },
      { logger: silentLogger, commandTimeoutMs: 200 },
    );
    const sessions = redisSessionStore(hung.client, { tracking, logger: silentLogger });
    try {
      expect(await hung.waitUntilReady(5_000)).toBe(true);
      const gw = await flowGateway({ policy: NO_PROMPT, clock: new TestClock(), sessions });
      const { agent } = await signIn(gw, 'alice');
      await confirmBy(gw, agent, 'email', 'alice@example.com');
      await vi.waitFor(() => expect(sessions.readsTracked()).toBe(true), { timeout: 5_000 });
      // Forwarded, the later ones from the copy the tracking connection keeps.
      expect((await agent.get('/reports')).status).toBe(200);
      expect((await agent.get('/reports')).status).toBe(200);
      redisServer.pause();
      try {
        // Within the heartbeat's bound (session-reads.ts), the copy is no longer believed.
        await vi.waitFor(async () => expect((await agent.get('/reports')).status).toBe(503), {
          timeout: 10_000,
          interval: 200,
        });
        const forwarded = gw.upstream.received.length;
        expect((await agent.get('/reports')).status).toBe(503);
        expect(gw.upstream.received).toHaveLength(forwarded);
      } finally {
        redisServer.resume();
      }
      await vi.waitFor(async () => expect((await agent.get('/reports')).status).toBe(200), {
        timeout: 10_000,
        interval: 100,
      });
    } finally {
      await sessions.closeReads();
      await hung.close();
    }
  });

  it('fails closed when Redis hangs (connected, but answering nothing), and works when it answers again', async () => {
    const hung = connectRedis(redisServer.url, { logger: silentLogger, commandTimeoutMs: 200 });
    try {
      expect(await hung.waitUntilReady(5_000)).toBe(true);
      const limiter = new RedisLimiter(hung.client, { clock: new TestClock() });
      const now = new Date();
      redisServer.pause();
      try {
        await expect(limiter.take('hung', 5, 60_000, now)).rejects.toBeInstanceOf(DependencyUnavailableError);
        await expect(hung.ping()).rejects.toBeInstanceOf(DependencyUnavailableError);
        await expect(redisSessionStore(hung.client).get('any')).rejects.toBeInstanceOf(
          DependencyUnavailableError,
        );
      } finally {
        redisServer.resume();
      }
      await vi.waitFor(() => hung.ping(), { timeout: 10_000, interval: 100 });
      expect((await limiter.take('hung', 5, 60_000, now)).allowed).toBe(true);
    } finally {
      await hung.close();
    }
  });
});
