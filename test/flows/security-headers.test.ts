/**
 * Every answer of stepgate's own, page or JSON, error pages included, carries the security
 * headers (SPEC §4: a strict Content-Security-Policy with frame-ancestors 'none'), over a real
 * socket; the proxied application's answers never do. The pages hold no script, no event
 * handler, no style attribute, and only style blocks the policy allows by hash.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { SamlServiceProvider } from '../../gateway/ports.js';
import {
  BASE,
  FLOW_USERS,
  NO_PROMPT,
  confirmBy,
  csrfTokenOf,
  directUser,
  flowGateway,
  submitForm,
} from '../helpers/flow.js';
import { TEST_PASSWORD, startGateway, type TestGateway } from '../helpers/gateway.js';
import { deadUpstreamUrl } from '../helpers/upstream.js';

const USERS = { ...FLOW_USERS, helen: directUser({ email: 'helen@example.com', profile: 'Help Desk' }) };
const CSP_PREFIX =
  "default-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none';style-src 'sha256-";

const samlStub: SamlServiceProvider = {
  metadata: () => '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>',
  loginRequest: async () => ({ url: 'https://idp.example.org/sso', requestId: '_stub' }),
  validate: async () => {
    throw new Error('not used');
  },
};

type Answer = request.Response;

function expectOwnHeaders(res: Answer, what: string): void {
  const headers = res.headers;
  expect(headers['content-security-policy'], what).toMatch(new RegExp(`^${escape(CSP_PREFIX)}`));
  expect(headers['x-frame-options'], what).toBe('DENY');
  expect(headers['x-content-type-options'], what).toBe('nosniff');
  expect(headers['referrer-policy'], what).toBe('no-referrer');
  expect(headers['strict-transport-security'], what).toBeUndefined();
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The page has no script, no inline handler or style attribute, and only style blocks the CSP
 * names. `scripts`: the served scripts a page may load (the help desk's local times), each with
 * the nonce its CSP allows, and nothing inline.
 */
function expectStrictPage(res: Answer, what: string, scripts: readonly string[] = []): void {
  expect(res.headers['content-type'], what).toMatch(/^text\/html/);
  const html = res.text;
  const nonce = /script-src 'nonce-([^']+)'/.exec(String(res.headers['content-security-policy']))?.[1];
  expect(
    [...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[0]),
    what,
  ).toEqual(scripts.map((src) => `<script src="${src}" nonce="${nonce ?? ''}" defer></script>`));
  if (scripts.length === 0) expect(html, what).not.toMatch(/<script/i);
  expect(html, what).not.toMatch(/\son[a-z]+\s*=/i);
  expect(html, what).not.toMatch(/\sstyle\s*=/i);
  expect(html, what).not.toMatch(/(src|href)\s*=\s*"(data|javascript):/i);
  const allowed = String(res.headers['content-security-policy']);
  const blocks = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '');
  expect(blocks.length, what).toBeGreaterThan(0);
  for (const css of blocks) {
    const hash = `'sha256-${createHash('sha256').update(css).digest('base64')}'`;
    expect(allowed, what).toContain(hash);
  }
}

/** A gateway in front of `upstreamUrl` (the flow helpers bring an echo upstream of their own). */
async function gatewayBefore(upstreamUrl: string, policy: unknown = NO_PROMPT): Promise<TestGateway> {
  const gw = await startGateway({ users: USERS, policy, upstreamUrl });
  onTestFinished(() => gw.close());
  return gw;
}

/** The gateway on a real socket, and a browser-like client with a cookie jar. */
async function served(gw: TestGateway) {
  const { url } = await gw.listen();
  return { url, browser: request.agent(url), api: () => request(url) };
}

async function signedInBrowser(gw: TestGateway, url: string, user = 'alice') {
  const browser = request.agent(url);
  await browser.post(`${BASE}/login`).send({ username: user, password: TEST_PASSWORD });
  await confirmBy(gw, browser, 'email', `${user}@example.com`);
  return browser;
}

describe('security headers on every page of stepgate (SPEC §4)', () => {
  it('puts them on the sign-in page, its JSON twin, the error pages, health and metadata', async () => {
    const gw = await flowGateway({ users: USERS, saml: samlStub });
    const { url, browser, api } = await served(gw);

    const login = await browser.get(`${BASE}/login`);
    expect(login.status).toBe(200);
    expectOwnHeaders(login, 'login page');
    expectStrictPage(login, 'login page');
    expectOwnHeaders(await api().get(`${BASE}/login`).set('Accept', 'application/json'), 'login JSON');

    const wrong = await browser
      .post(`${BASE}/login`)
      .type('form')
      .send({ username: 'alice', password: 'nope', _csrf: csrfTokenOf(login.text) });
    expect(wrong.status).toBe(401);
    expectOwnHeaders(wrong, 'refused sign-in');
    expectStrictPage(wrong, 'refused sign-in');

    const forged = await api().post(`${BASE}/login`).type('form').send({ username: 'alice', password: 'x' });
    expect(forged.status).toBe(403);
    expectOwnHeaders(forged, '403 CSRF page');
    expectStrictPage(forged, '403 CSRF page');

    const notSignedIn = await api().get(`${BASE}/settings`).set('Accept', 'text/html');
    expect(notSignedIn.status).toBe(401);
    expectOwnHeaders(notSignedIn, '401 page');
    expectStrictPage(notSignedIn, '401 page');

    const missing = await api().get(`${BASE}/no-such-page`).set('Accept', 'text/html');
    expect(missing.status).toBe(404);
    expectOwnHeaders(missing, '404 page');
    expectStrictPage(missing, '404 page');

    const apiOutside = await api().get('/app').set('Accept', 'application/json');
    expect(apiOutside.status).toBe(401);
    expectOwnHeaders(apiOutside, "401 JSON on a proxied path: stepgate's own answer");

    for (const path of ['/healthz', '/readyz', '/saml/metadata']) {
      const res = await api().get(`${BASE}${path}`);
      expect(res.status, path).toBe(200);
      expectOwnHeaders(res, path);
    }
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });

  it('puts them on the mobile prompt, the challenge, the settings and the help-desk pages', async () => {
    const gw = await flowGateway({ users: USERS });
    const { url } = await served(gw);
    const prompted = request.agent(url);
    await prompted.post(`${BASE}/login`).send({ username: 'alice', password: TEST_PASSWORD });
    for (const path of ['/mobile', '/confirm']) {
      const res = await prompted.get(`${BASE}${path}`).set('Accept', 'text/html');
      expectOwnHeaders(res, path);
      if (res.status === 200) expectStrictPage(res, path);
    }
    const declined = await submitForm(prompted, `${BASE}/mobile`, `${BASE}/mobile/decline`);
    expect(declined.status).toBe(303);
    const challenge = await prompted.get(`${BASE}/confirm`).set('Accept', 'text/html');
    expect(challenge.status).toBe(200);
    expectOwnHeaders(challenge, 'challenge');
    expectStrictPage(challenge, 'challenge');

    const helpdesk = await flowGateway({ users: USERS, policy: NO_PROMPT });
    const helen = await signedInBrowser(helpdesk, (await served(helpdesk)).url, 'helen');
    for (const path of ['/settings', '/admin', '/admin/users/bob', '/admin/history']) {
      const res = await helen.get(`${BASE}${path}`).set('Accept', 'text/html');
      expect(res.status, path).toBe(200);
      expectOwnHeaders(res, path);
      // The pages with times load the one script that shows them in the viewer's zone, by nonce.
      expectStrictPage(res, path, [`${BASE}/assets/local-time.js`]);
    }
    const qr = await submitForm(helen, `${BASE}/settings`, `${BASE}/settings/authenticator`);
    expect(qr.status).toBe(200);
    expect(qr.text).toContain('<svg');
    expectOwnHeaders(qr, 'authenticator enrolment');
    expectStrictPage(qr, 'authenticator enrolment');
  });

  it('puts them on a 500 page and on the 502 page of an upstream that does not answer', async () => {
    const gw = await flowGateway({ users: USERS, policy: NO_PROMPT });
    const { url } = await served(gw);
    const browser = await signedInBrowser(gw, url);
    gw.store.listCredentials = () => Promise.reject(new Error('something nobody expected'));
    const broken = await browser.get(`${BASE}/settings`).set('Accept', 'text/html');
    expect(broken.status).toBe(500);
    expectOwnHeaders(broken, '500 page');
    expectStrictPage(broken, '500 page');

    const dead = await gatewayBefore(await deadUpstreamUrl());
    const deadServed = await served(dead);
    const signed = await signedInBrowser(dead, deadServed.url);
    for (let i = 0; i < 2; i += 1) {
      // The first request goes through Express (session renewal), the second the fast path.
      const res = await signed.get('/app').set('Accept', 'text/html');
      expect(res.status).toBe(502);
      expectOwnHeaders(res, `502 page, request ${i + 1}`);
      expectStrictPage(res, `502 page, request ${i + 1}`);
    }
  });
});

describe('never on the application behind the gateway', () => {
  let upstream: Server | undefined;
  afterEach(async () => {
    upstream?.closeAllConnections();
    await new Promise((resolve) => (upstream?.listening ? upstream.close(resolve) : resolve(undefined)));
  });

  /** An application with a framing policy of its own, which must reach the browser untouched. */
  async function ownPolicyUpstream(): Promise<string> {
    upstream = createServer((_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/html',
        'content-security-policy': "frame-ancestors https://portal.example.com; script-src 'self'",
      });
      res.end('<h1>The application</h1>');
    });
    await new Promise<void>((resolve) => upstream?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  }

  it('adds nothing to proxied answers, on the Express path and the fast path, nor to public paths', async () => {
    const gw = await startGateway({
      users: USERS,
      policy: NO_PROMPT,
      upstreamUrl: await ownPolicyUpstream(),
      config: { upstream: { public_paths: ['/favicon.ico'] } },
    });
    onTestFinished(() => gw.close());
    const { url } = await served(gw);
    const browser = await signedInBrowser(gw, url);
    for (let i = 0; i < 2; i += 1) {
      const res = await browser.get('/reports');
      expect(res.status).toBe(200);
      expect(res.headers['content-security-policy']).toBe(
        "frame-ancestors https://portal.example.com; script-src 'self'",
      );
      expect(res.headers['x-frame-options']).toBeUndefined();
      expect(res.headers['referrer-policy']).toBeUndefined();
      expect(res.headers['strict-transport-security']).toBeUndefined();
    }
    const icon = await request(url).get('/favicon.ico');
    expect(icon.headers['x-frame-options']).toBeUndefined();
    expect(icon.headers['content-security-policy']).toBe(
      "frame-ancestors https://portal.example.com; script-src 'self'",
    );
  });
});

describe('Strict-Transport-Security', () => {
  const HSTS = 'max-age=31536000; includeSubDomains';

  it('is sent when public_url is https', async () => {
    const gw = await flowGateway({ config: { server: { public_url: 'https://sign-in.example.com' } } });
    const res = await request((await gw.listen()).url).get(`${BASE}/login`);
    expect(res.headers['strict-transport-security']).toBe(HSTS);
  });

  it('is sent when a trusted proxy says the request came over https, and not on its word alone', async () => {
    const trusted = await flowGateway({ config: { server: { trusted_proxies: ['127.0.0.1'] } } });
    const viaProxy = await request((await trusted.listen()).url)
      .get(`${BASE}/login`)
      .set('X-Forwarded-Proto', 'https');
    expect(viaProxy.headers['strict-transport-security']).toBe(HSTS);

    const untrusted = await flowGateway();
    const direct = await request((await untrusted.listen()).url)
      .get(`${BASE}/login`)
      .set('X-Forwarded-Proto', 'https');
    expect(direct.headers['strict-transport-security']).toBeUndefined();
    const plain = await request((await trusted.listen()).url).get(`${BASE}/login`);
    expect(plain.headers['strict-transport-security']).toBeUndefined();
  });
});
