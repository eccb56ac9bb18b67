/** GET /metrics (SPEC §4): Prometheus counters of what the gateway did, with no one's details. */
import type { SessionData, Store } from 'express-session';
import request from 'supertest';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BoundedMemorySessionStore } from '../../adapters/memory/session-store.js';
import { GatewayMetrics } from '../../gateway/metrics.js';
import { DependencyUnavailableError } from '../../gateway/ports.js';
import {
  BASE,
  NO_PROMPT,
  confirmBy,
  flowGateway,
  send,
  signIn,
  verify,
  wrongCode,
  lastCode,
} from '../helpers/flow.js';
import { TEST_PASSWORD, startGateway } from '../helpers/gateway.js';

async function metricsOf(app: Parameters<typeof request>[0]): Promise<string> {
  const res = await request(app).get(`${BASE}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(res.headers['cache-control']).toBe('no-store');
  return res.text;
}

/** The value of the sample named `sample` (with its labels, as written), or undefined. */
function valueOf(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((each) => each.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

describe('GET /metrics', () => {
  it('counts history entries, proxied requests, and names no person', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT });
    const before = await metricsOf(gw.app);
    expect(before).toContain('# TYPE stepgate_history_entries_total counter');
    expect(valueOf(before, 'stepgate_proxied_requests_total')).toBe(0);

    const { agent } = await signIn(gw, 'alice');
    expect((await send(agent, 'email')).status).toBe(200);
    const code = lastCode(gw, 'email', 'alice@example.com');
    expect((await verify(agent, 'email', wrongCode(code))).status).toBe(400);
    expect((await verify(agent, 'email', code)).status).toBe(200);
    expect((await agent.get('/reports')).status).toBe(200);
    expect((await agent.get('/reports')).status).toBe(200);

    const after = await metricsOf(gw.app);
    const entries = (status: string) =>
      valueOf(after, `stepgate_history_entries_total{method="email",status="${status}"}`);
    expect(entries('Initiated')).toBe(1);
    expect(entries('FailedInvalidCode')).toBe(1);
    expect(entries('Succeeded')).toBe(1);
    expect(valueOf(after, 'stepgate_proxied_requests_total')).toBe(2);
    expect(valueOf(after, 'stepgate_upstream_failures_total')).toBe(0);
    for (const personal of ['alice', '@example.com', '127.0.0.1', '::ffff']) {
      expect(after).not.toContain(personal);
    }
    // Each gateway has its registry: a second one in the same process starts from zero.
    const other = await flowGateway({ policy: NO_PROMPT });
    expect(valueOf(await metricsOf(other.app), 'stepgate_proxied_requests_total')).toBe(0);
  });

  it('counts requests the upstream did not answer, and sessions the store could not give', async () => {
    const upstreamDown = await flowGateway({ policy: NO_PROMPT });
    const { agent } = await signIn(upstreamDown, 'alice');
    await confirmBy(upstreamDown, agent, 'email', 'alice@example.com');
    await upstreamDown.upstream.close();
    expect((await agent.get('/reports').set('Accept', 'application/json')).status).toBe(502);
    const afterFailure = await metricsOf(upstreamDown.app);
    expect(valueOf(afterFailure, 'stepgate_upstream_failures_total')).toBe(1);

    let storeDown = false;
    const sessions = new BoundedMemorySessionStore({ max: 100, defaultTtlMs: 60_000 });
    const get = sessions.get.bind(sessions);
    sessions.get = ((sid: string, cb: (err: unknown, session?: SessionData | null) => void) => {
      if (storeDown) return cb(new DependencyUnavailableError('redis'));
      return get(sid, cb);
    }) as Store['get'];
    const gw = await startGateway({
      upstreamUrl: 'http://127.0.0.1:9',
      policy: { version: 1, rules: [{ name: 'all', then: 'skip' }] },
      sessions,
    });
    onTestFinished(() => gw.close());
    const browser = request.agent(gw.app);
    await browser.post(`${BASE}/login`).send({ username: 'alice', password: TEST_PASSWORD });
    storeDown = true;
    expect((await browser.get('/reports').set('Accept', 'application/json')).status).toBe(503);
    expect((await browser.get(`${BASE}/confirm`).set('Accept', 'application/json')).status).toBe(503);
    expect(valueOf(await metricsOf(gw.app), 'stepgate_session_store_failures_total')).toBe(2);
  });

  it('answers only clients in server.metrics_networks (loopback by default), 404 to the rest', async () => {
    const elsewhere = await startGateway({
      upstreamUrl: 'http://127.0.0.1:9',
      config: { server: { metrics_networks: ['10.0.0.0/8'] } },
    });
    onTestFinished(() => elsewhere.close());
    const refused = await request(elsewhere.app).get(`${BASE}/metrics`).set('Accept', 'application/json');
    expect(refused.status).toBe(404);
    expect(refused.text).not.toContain('stepgate_');

    // Behind a trusted proxy the client is the address it forwarded, not the proxy's own.
    const proxied = await startGateway({
      upstreamUrl: 'http://127.0.0.1:9',
      config: { server: { trusted_proxies: ['127.0.0.1', '::1', '::ffff:127.0.0.1'] } },
    });
    onTestFinished(() => proxied.close());
    const outside = await request(proxied.app).get(`${BASE}/metrics`).set('X-Forwarded-For', '203.0.113.9');
    expect(outside.status).toBe(404);
    expect((await request(proxied.app).get(`${BASE}/metrics`)).status).toBe(200);
  });

  it("adds the process's own metrics when asked, as serve does", async () => {
    const metrics = new GatewayMetrics({ processMetrics: true });
    const text = await metrics.text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('stepgate_proxied_requests_total 0');
    expect(await new GatewayMetrics().text()).not.toContain('process_cpu_user_seconds_total');
  });
});
