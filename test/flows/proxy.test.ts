import request from 'supertest';
import WebSocket from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, startGateway, type TestGateway } from '../helpers/gateway.js';
import {
  deadUpstreamUrl,
  startEchoUpstream,
  type EchoedRequest,
  type EchoUpstream,
} from '../helpers/upstream.js';

const SKIP_ALL = { version: 1, rules: [{ name: 'let everyone through', then: 'skip' }] };

async function signedInAgent(gw: TestGateway, username = 'alice') {
  const agent = request.agent(gw.app);
  const res = await agent.post('/_stepgate/login').send({ username, password: TEST_PASSWORD });
  expect(res.status).toBe(200);
  return agent;
}

describe('reverse proxy', () => {
  let upstream: EchoUpstream;
  let gw: TestGateway;

  beforeEach(async () => {
    upstream = await startEchoUpstream();
    gw = await startGateway({
      upstreamUrl: upstream.url,
      policy: SKIP_ALL,
      config: { upstream: { public_paths: ['/favicon.ico', '/assets/'] } },
    });
  });
  afterEach(async () => {
    await gw.close();
    await upstream.close();
  });

  it('sends a browser that is not signed in to the sign-in page, keeping where it was going', async () => {
    const res = await request(gw.app).get('/reports/2026?sort=desc');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/_stepgate/login?return_to=%2Freports%2F2026%3Fsort%3Ddesc');
    expect(upstream.received).toHaveLength(0);
  });

  it('answers an API client that is not signed in with 401 JSON', async () => {
    const json = await request(gw.app).get('/api/items').set('Accept', 'application/json');
    expect(json.status).toBe(401);
    expect(json.body).toEqual({ error: 'sign_in_required', message: 'Sign in to continue.' });
    const xhr = await request(gw.app).get('/api/items').set('X-Requested-With', 'XMLHttpRequest');
    expect(xhr.status).toBe(401);
    expect(upstream.received).toHaveLength(0);
  });

  it('forwards public paths without sign-in', async () => {
    expect((await request(gw.app).get('/favicon.ico')).status).toBe(200);
    expect((await request(gw.app).get('/assets/app.css')).status).toBe(200);
    expect(upstream.received.map((r) => r.url)).toEqual(['/favicon.ico', '/assets/app.css']);
  });

  it('does not let a path escape a public prefix', async () => {
    expect((await request(gw.app).get('/assets/../admin')).status).toBe(302);
    expect((await request(gw.app).get('/assets/%2e%2e/admin')).status).toBe(302);
    expect((await request(gw.app).get('/favicon.ico.bak')).status).toBe(302);
    expect(upstream.received).toHaveLength(0);
  });

  it('forwards a signed-in session with the identity headers of the gateway', async () => {
    const agent = await signedInAgent(gw);
    const res = await agent.post('/app/save?x=1').send({ some: 'data' });
    expect(res.status).toBe(200);
    const echoed = res.body as EchoedRequest;
    expect(echoed.method).toBe('POST');
    expect(echoed.url).toBe('/app/save?x=1');
    expect(echoed.headers['x-stepgate-user']).toBe('alice');
    expect(echoed.headers['x-stepgate-email']).toBe('alice@example.com');
    expect(echoed.headers['x-stepgate-login']).toBe('direct');
    expect(echoed.headers['x-stepgate-confirmation']).toBe('skipped');
  });

  it('never lets a spoofed X-Stepgate-User reach the upstream', async () => {
    await request(gw.app)
      .get('/favicon.ico')
      .set('X-Stepgate-User', 'root')
      .set('x-stepgate-confirmation', 'sms');
    const agent = await signedInAgent(gw);
    await agent.get('/app').set('X-Stepgate-User', 'root').set('X-STEPGATE-EMAIL', 'root@example.com');
    const [anonymous, signedIn] = upstream.received;
    expect(anonymous?.headers['x-stepgate-user']).toBeUndefined();
    expect(anonymous?.headers['x-stepgate-confirmation']).toBeUndefined();
    expect(signedIn?.headers['x-stepgate-user']).toBe('alice');
    expect(signedIn?.headers['x-stepgate-email']).toBe('alice@example.com');
  });

  it("keeps the gateway's session cookie away from the upstream, but forwards the application's", async () => {
    const agent = await signedInAgent(gw);
    await agent.get('/app').set('Cookie', 'theme=dark');
    const cookie = upstream.received[0]?.headers.cookie ?? '';
    expect(cookie).not.toContain('stepgate_session');
  });

  it('tells the upstream the client address it resolved, not the one the client claimed', async () => {
    const agent = await signedInAgent(gw);
    await agent.get('/app').set('X-Forwarded-For', '203.0.113.9');
    expect(upstream.received[0]?.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('forwards WebSocket upgrades for a signed-in session and refuses them otherwise', async () => {
    const agent = await signedInAgent(gw);
    const { url } = await gw.listen();
    const cookieRes = await agent.get('/_stepgate/login').set('Accept', 'application/json');
    expect(cookieRes.body.signed_in).toBe(true);
    // The agent's cookie jar holds the session; hand it to the WebSocket client.
    const cookie = agent.jar
      .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
      .toValueString();
    const wsUrl = url.replace('http', 'ws') + '/live';
    const message = await new Promise<string>((resolve, reject) => {
      const socket = new WebSocket(wsUrl, { headers: { cookie, 'x-stepgate-user': 'root' } });
      socket.once('message', (data) => {
        resolve(String(data));
        socket.close();
      });
      socket.once('error', reject);
    });
    const headers = (JSON.parse(message) as { headers: Record<string, string> }).headers;
    expect(headers['x-stepgate-user']).toBe('alice');
    expect(headers.cookie ?? '').not.toContain('stepgate_session');

    const refused = await new Promise<number>((resolve) => {
      const socket = new WebSocket(wsUrl);
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('error', () => resolve(-1));
    });
    expect(refused).toBe(401);
  });
});

describe('client address and entry point', () => {
  let upstream: EchoUpstream;
  beforeEach(async () => {
    upstream = await startEchoUpstream();
  });
  afterEach(async () => upstream.close());

  // Sign-ins from 203.0.113.0/24 skip confirmation; everyone else must confirm.
  const NETWORK_POLICY = {
    version: 1,
    mobile_registration: { prompt: false },
    rules: [
      { name: 'office', when: { network: ['203.0.113.0/24'] }, then: 'skip' },
      { name: 'everyone else', then: 'confirm' },
    ],
  };

  async function signIn(gw: TestGateway, headers: Record<string, string>) {
    const res = await request(gw.app)
      .post('/_stepgate/login')
      .set(headers)
      .send({ username: 'alice', password: TEST_PASSWORD });
    return res.body as { next: string };
  }

  it('ignores a spoofed X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const gw = await startGateway({ upstreamUrl: upstream.url, policy: NETWORK_POLICY });
    expect(await signIn(gw, { 'X-Forwarded-For': '203.0.113.5' })).toMatchObject({ next: 'confirm' });
    await gw.close();
  });

  it('reads X-Forwarded-For from the right when the peer is a trusted proxy', async () => {
    const gw = await startGateway({
      upstreamUrl: upstream.url,
      policy: NETWORK_POLICY,
      config: { server: { trusted_proxies: ['127.0.0.1/32', '198.51.100.0/24'] } },
    });
    expect(await signIn(gw, { 'X-Forwarded-For': '203.0.113.5' })).toMatchObject({ next: 'done' });
    // The client put 203.0.113.5 first itself; the first untrusted hop from the right is 192.0.2.1.
    expect(await signIn(gw, { 'X-Forwarded-For': '203.0.113.5, 192.0.2.1, 198.51.100.7' })).toMatchObject({
      next: 'confirm',
    });
    expect(await signIn(gw, { 'X-Forwarded-For': '192.0.2.1, 203.0.113.5, 198.51.100.7' })).toMatchObject({
      next: 'done',
    });
    await gw.close();
  });

  it('takes the entry point from the Host header', async () => {
    const gw = await startGateway({
      upstreamUrl: upstream.url,
      policy: { version: 1, mobile_registration: { prompt: false } }, // the default rules
      config: { server: { entry_points: { portal: { hosts: ['portal.localhost'] } } } },
    });
    // Default policy: portal users at the portal entry point are not prompted; elsewhere they are.
    const portal = await request(gw.app)
      .post('/_stepgate/login')
      .set('Host', 'portal.localhost:8080')
      .send({ username: 'pat', password: TEST_PASSWORD });
    expect(portal.body).toMatchObject({ next: 'done' });
    const standard = await request(gw.app)
      .post('/_stepgate/login')
      .set('Host', 'localhost:8080')
      .send({ username: 'pat', password: TEST_PASSWORD });
    expect(standard.body).toMatchObject({ next: 'confirm' });
    await gw.close();
  });
});

describe('upstream down', () => {
  it('answers a clean 502 page, not a hang or a stack trace', async () => {
    const gw = await startGateway({ upstreamUrl: await deadUpstreamUrl(), policy: SKIP_ALL });
    const agent = await signedInAgent(gw);
    const page = await agent.get('/app');
    expect(page.status).toBe(502);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('The application behind this gateway is not answering.');
    expect(page.text).not.toMatch(/ECONNREFUSED|at .*\.js:\d+/);
    const api = await agent.get('/api').set('Accept', 'application/json');
    expect(api.status).toBe(502);
    expect(api.body.error).toBe('upstream_unavailable');
    await gw.close();
  });
});
