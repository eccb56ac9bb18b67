/**
 * A real `stepgate serve` process whose Redis (sessions) goes away behind a TCP fault proxy,
 * seen from a client on one keep-alive connection, as a load balancer holds it: the 503 keeps the
 * connection usable, and a session the store could not read is never destroyed, so the user is
 * still signed in once Redis answers again.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { BASE } from '../helpers/flow.js';
import { TEST_HASH, TEST_PASSWORD } from '../helpers/gateway.js';
import { call, CookieJar } from '../helpers/http-client.js';
import { startStepgate, writeProcessConfig, type StepgateProcess } from '../helpers/processes.js';
import { DEFAULT_REDIS_URL } from '../helpers/services.js';
import { startEchoUpstream, type EchoUpstream } from '../helpers/upstream.js';

const redisUrl = new URL(process.env.STEPGATE_TEST_REDIS_URL ?? DEFAULT_REDIS_URL);
const dir = mkdtempSync(join(tmpdir(), 'stepgate-redis-outage-'));
/** A database of its own: nothing here meets another suite's keys. */
const DATABASE = 5;

let proxy: FaultProxy;
let upstream: EchoUpstream;
let gateway: StepgateProcess;

beforeAll(async () => {
  proxy = await startFaultProxy({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
  upstream = await startEchoUpstream();
  const viaProxy = new URL(redisUrl);
  viaProxy.host = `${proxy.host}:${proxy.port}`;
  viaProxy.pathname = `/${DATABASE}`;
  const config = writeProcessConfig({
    dir,
    upstream: `url: ${JSON.stringify(upstream.url)}`,
    session: `store: redis, redis_url: ${JSON.stringify(viaProxy.toString())}, secret: ${randomBytes(24).toString('base64url')}`,
    users: `alice: { password_hash: '${TEST_HASH}', email: alice@example.com }\n`,
    policy: 'version: 1\nrules:\n  - { name: everyone, then: skip }\n',
  });
  gateway = await startStepgate({ config, env: {}, cwd: dir });
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await upstream?.close();
  await proxy?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Seen {
  status: number;
  connection: string | undefined;
  reusedSocket: boolean;
}

/** A GET on the one keep-alive connection of `agent`, with the session cookie. */
function get(agent: Agent, path: string, cookie: string): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request(
      `${gateway.url}${path}`,
      { agent, headers: { cookie, accept: 'application/json' } },
      (res) => {
        res.resume();
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            connection: res.headers.connection,
            reusedSocket: req.reusedSocket,
          }),
        );
      },
    );
    req.once('error', reject);
    req.end();
  });
}

async function signedIn(): Promise<string> {
  const jar = new CookieJar();
  const res = await call(gateway, jar, 'POST', `${BASE}/login`, {
    username: 'alice',
    password: TEST_PASSWORD,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.next).toBe('done');
  return jar.header();
}

describe.each([
  ['refuses connections', () => proxy.refuse()],
  ['hangs', async () => proxy.hang()],
] as const)('while Redis %s', (_name, fault) => {
  it('answers 503 on a connection that stays usable, and the user is still signed in afterwards', async () => {
    onTestFailed(() => {
      process.stderr.write(`\n--- stepgate ---\n${gateway.output()}\n`);
    });
    await vi.waitFor(
      async () => expect((await call(gateway, new CookieJar(), 'GET', `${BASE}/readyz`)).status).toBe(200),
      {
        timeout: 15_000,
        interval: 250,
      },
    );
    const cookie = await signedIn();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await get(agent, `${BASE}/settings`, cookie)).status).toBe(200);
      await fault();

      for (const path of [`${BASE}/settings`, '/reports']) {
        const during = await get(agent, path, cookie);
        expect(during.status).toBe(503);
        expect(during.connection).toBe('keep-alive');
        // The next request on the same connection is answered: the 503 did not end it.
        const next = await get(agent, `${BASE}/healthz`, cookie);
        expect(next).toEqual({ status: 200, connection: 'keep-alive', reusedSocket: true });
      }

      await proxy.pass();
      // Longer than the 3 s pause after which a queued DEL used to sign the user out.
      await vi.waitFor(async () => expect((await get(agent, `${BASE}/settings`, cookie)).status).toBe(200), {
        timeout: 15_000,
        interval: 250,
      });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await get(agent, `${BASE}/settings`, cookie)).status).toBe(200);
      expect((await get(agent, '/reports', cookie)).status).toBe(200);
    } finally {
      agent.destroy();
      await proxy.pass();
    }
  });
});
