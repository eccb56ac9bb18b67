/**
 * The verification endpoints' HTTP contract (SPEC §4 `/authz/*`, docs/authz-api.yaml), over real
 * sockets from a trusted peer (127.0.0.1): nginx auth_request and Traefik/Caddy forward-auth, with
 * the built-in proxy's rules — public paths judged on the target as it came, sessions, the next
 * step of an unfinished sign-in, entry points and the policy, identity headers.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it, onTestFinished } from 'vitest';
import { redisSessionStore } from '../../adapters/redis/session-store.js';
import { silentLogger } from '../../bin/logger.js';
import { openRedisPair } from '../helpers/redis.js';
import { OpenApiContract } from '../helpers/openapi.js';
import {
  BASE,
  HOUR,
  MINUTE,
  NO_PROMPT,
  flowGateway,
  jsonAgent,
  signIn,
  type FlowGateway,
} from '../helpers/flow.js';
import type { TestGatewayOptions } from '../helpers/gateway.js';

const contract = await OpenApiContract.load(new URL('../../docs/authz-api.yaml', import.meta.url), BASE);

const SKIP_ALL = { version: 1, rules: [{ name: 'let everyone through', then: 'skip' }] };
const PUBLIC_URL = 'http://localhost:8080';
const LOGIN = `${PUBLIC_URL}${BASE}/login`;
const HTML = 'text/html,application/xhtml+xml';

interface Authz {
  gw: FlowGateway;
  url: string;
  /** A session cookie of `user`, signed in over the socket. */
  cookieOf(user: string): Promise<string>;
}

async function authzGateway(
  options: { server?: Record<string, unknown>; policy?: unknown } & Omit<
    TestGatewayOptions,
    'upstreamUrl'
  > = {},
): Promise<Authz> {
  const gw = await flowGateway({
    policy: options.policy ?? SKIP_ALL,
    ...(options.sessions && { sessions: options.sessions }),
    config: {
      server: { public_url: PUBLIC_URL, trusted_proxies: ['127.0.0.1'], ...options.server },
      upstream: { public_paths: ['/public/'] },
    },
  });
  const { url } = await gw.listen();
  return {
    gw,
    url,
    cookieOf: async (user) => {
      const { cookie } = await signIn(gw, user);
      if (cookie === undefined) throw new Error(`no session cookie for ${user}`);
      return cookie;
    },
  };
}

/** nginx's auth subrequest: the original URL in X-Original-URL, the client's own headers beside it. */
function authRequest(url: string, original: string, headers: Record<string, string> = {}) {
  return request(url)
    .get(`${BASE}/authz/auth-request`)
    .set({ 'X-Original-URL': original, 'X-Original-Method': 'GET', Accept: HTML, ...headers })
    .redirects(0);
}

/** Traefik's or Caddy's question: the original request in X-Forwarded-Method/Proto/Host/Uri. */
function forwardAuth(url: string, host: string, uri: string, headers: Record<string, string> = {}) {
  return request(url)
    .get(`${BASE}/authz/forward-auth`)
    .set({
      'X-Forwarded-Method': 'GET',
      'X-Forwarded-Proto': 'http',
      'X-Forwarded-Host': host,
      'X-Forwarded-Uri': uri,
      Accept: HTML,
      ...headers,
    })
    .redirects(0);
}

function identityOf(res: request.Response): Record<string, string | undefined> {
  return {
    user: res.headers['x-stepgate-user'],
    email: res.headers['x-stepgate-email'],
    login: res.headers['x-stepgate-login'],
    confirmation: res.headers['x-stepgate-confirmation'],
  };
}

const ALICE = { user: 'alice', email: 'alice@example.com', login: 'direct', confirmation: 'skipped' };
const NOBODY = { user: undefined, email: undefined, login: undefined, confirmation: undefined };

describe('GET /authz/auth-request (nginx auth_request)', () => {
  it('answers a signed-in session 200 with the identity headers, and never the client-sent ones', async () => {
    const { url, cookieOf } = await authzGateway();
    const cookie = await cookieOf('alice');
    const res = await authRequest(url, `${PUBLIC_URL}/reports?q=1`, {
      Cookie: cookie,
      'X-Stepgate-User': 'root',
      'X-Stepgate-Email': 'root@example.com',
    });
    expect(res.status).toBe(200);
    expect(identityOf(res)).toEqual(ALICE);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toBe('');
  });

  it('answers 401 with the sign-in page and the original URL in Location for nginx to redirect a browser', async () => {
    const { url } = await authzGateway();
    const res = await authRequest(url, `${PUBLIC_URL}/reports/2026?q=a&b=1`, { 'X-Stepgate-User': 'root' });
    expect(res.status).toBe(401);
    expect(res.headers.location).toBe(`${LOGIN}?return_to=${encodeURIComponent('/reports/2026?q=a&b=1')}`);
    expect(identityOf(res)).toEqual(NOBODY);
  });

  it('answers only at its exact path: the proxies keep clients from /authz/ by its exact case', async () => {
    const { url, cookieOf } = await authzGateway();
    const cookie = await cookieOf('alice');
    for (const path of ['/AUTHZ/auth-request', '/authz/Auth-Request', '/Authz/forward-auth']) {
      const res = await request(url)
        .get(`${BASE}${path}`)
        .set({ 'X-Original-URL': `${PUBLIC_URL}/x`, Cookie: cookie, Accept: 'application/json' })
        .redirects(0);
      expect(res.status, path).toBe(404);
      expect(identityOf(res)).toEqual(NOBODY);
    }
  });

  it('answers an API client 401 JSON and no Location', async () => {
    const { url } = await authzGateway();
    const res = await authRequest(url, `${PUBLIC_URL}/api/x`, { Accept: 'application/json' });
    contract.check(res);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'sign_in_required', message: 'Sign in to continue.' });
    expect(res.headers.location).toBeUndefined();
  });

  it('sends a sign-in with a step still due to that step, not through', async () => {
    const { gw, url } = await authzGateway({ policy: NO_PROMPT });
    const { cookie } = await signIn(gw, 'alice'); // a new network: a challenge is due
    const res = await authRequest(url, `${PUBLIC_URL}/x`, { Cookie: cookie ?? '' });
    expect(res.status).toBe(401);
    expect(res.headers.location).toBe(`${PUBLIC_URL}${BASE}/confirm?return_to=%2Fx`);
    const json = await authRequest(url, `${PUBLIC_URL}/x`, {
      Cookie: cookie ?? '',
      Accept: 'application/json',
    });
    expect(json.body.error).toBe('confirmation_required');
    expect(identityOf(json)).toEqual(NOBODY);
  });

  it('lets a public path through without identity, even with a session', async () => {
    const { url, cookieOf } = await authzGateway();
    const cookie = await cookieOf('alice');
    for (const headers of [{}, { Cookie: cookie }] as Record<string, string>[]) {
      const res = await authRequest(url, `${PUBLIC_URL}/public/app.css`, {
        ...headers,
        'X-Stepgate-User': 'root',
      });
      expect(res.status).toBe(200);
      expect(identityOf(res)).toEqual(NOBODY);
    }
  });

  it.each([
    '/private/..%2Fpublic/x',
    '/private/%2e%2e/public/x',
    '/public/..;/private/x',
    '/public/..%5cprivate',
  ])('does not take %j for a public path: it needs a session', async (target) => {
    const { url } = await authzGateway();
    const res = await authRequest(url, `${PUBLIC_URL}${target}`);
    expect(res.status).toBe(401);
  });

  it('refuses a question without X-Original-URL, or with a malformed one, naming the header', async () => {
    const { url } = await authzGateway();
    const missing = await request(url).get(`${BASE}/authz/auth-request`).set('Accept', 'application/json');
    contract.check(missing);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_original_request');
    expect(missing.body.message).toMatch(/x-original-url/i);
    for (const bad of ['/relative', 'ftp://app.example.com/x', 'http://app example.com/x']) {
      const res = await authRequest(url, bad, { Accept: 'application/json' });
      expect(res.status, bad).toBe(400);
      expect(res.body.error).toBe('invalid_original_request');
    }
  });
});

describe('GET /authz/forward-auth (Traefik ForwardAuth, Caddy forward_auth)', () => {
  it('answers a signed-in session 200 with the identity headers', async () => {
    const { url, cookieOf } = await authzGateway();
    const res = await forwardAuth(url, 'localhost:8080', '/reports', {
      Cookie: await cookieOf('alice'),
      X_Stepgate_User: 'root',
    });
    expect(res.status).toBe(200);
    expect(identityOf(res)).toEqual(ALICE);
  });

  it('sends a browser to sign in with the original URL as return_to, and gives an API client 401 JSON', async () => {
    const { url } = await authzGateway();
    const browser = await forwardAuth(url, 'localhost:8080', '/reports?q=1');
    expect(browser.status).toBe(302);
    expect(browser.headers.location).toBe(`${LOGIN}?return_to=${encodeURIComponent('/reports?q=1')}`);
    expect(browser.headers['cache-control']).toBe('no-store');
    const api = await forwardAuth(url, 'localhost:8080', '/api/x', { Accept: 'application/json' });
    contract.check(api);
    expect(api.status).toBe(401);
    expect(api.body.error).toBe('sign_in_required');
  });

  it('lets a public path through without identity, and not one whose meaning changes when decoded', async () => {
    const { url } = await authzGateway();
    const open = await forwardAuth(url, 'localhost:8080', '/public/x', { 'X-Stepgate-User': 'root' });
    expect(open.status).toBe(200);
    expect(identityOf(open)).toEqual(NOBODY);
    const encoded = await forwardAuth(url, 'localhost:8080', '/private/..%2Fpublic/x');
    expect(encoded.status).toBe(302);
  });

  it('refuses a question without X-Forwarded-Host or X-Forwarded-Uri, or with two hosts', async () => {
    const { url } = await authzGateway();
    const noHost = await request(url)
      .get(`${BASE}/authz/forward-auth`)
      .set({ Accept: 'application/json', 'X-Forwarded-Uri': '/x' });
    contract.check(noHost);
    expect(noHost.status).toBe(400);
    expect(noHost.body.message).toMatch(/x-forwarded-host/i);
    const noUri = await request(url)
      .get(`${BASE}/authz/forward-auth`)
      .set({ Accept: 'application/json', 'X-Forwarded-Host': 'localhost:8080' });
    expect(noUri.body.message).toMatch(/x-forwarded-uri/i);
    const twoHosts = await forwardAuth(url, 'a.example.com, b.example.com', '/x', {
      Accept: 'application/json',
    });
    expect(twoHosts.status).toBe(400);
  });
});

describe('a question from a peer that is not a trusted proxy', () => {
  it.each([
    ['auth-request', { 'X-Original-URL': `${PUBLIC_URL}/public/x` }],
    ['forward-auth', { 'X-Forwarded-Host': 'localhost:8080', 'X-Forwarded-Uri': '/public/x' }],
    ['ext-authz/public', { 'X-Forwarded-Host': 'localhost:8080' }],
  ])('is refused on %s with 403 untrusted_proxy, whatever it forged', async (path, forged) => {
    const { url, cookieOf } = await authzGateway({ server: { trusted_proxies: ['192.0.2.10'] } });
    const res = await request(url)
      .get(`${BASE}/authz/${path}`)
      .set({
        ...forged,
        'X-Forwarded-For': '192.0.2.10',
        Forwarded: 'for=192.0.2.10',
        Cookie: await cookieOf('alice'),
        Accept: 'application/json',
      })
      .redirects(0);
    contract.check(res);
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('untrusted_proxy');
    expect(res.body.message).toContain('server.trusted_proxies');
    expect(identityOf(res)).toEqual(NOBODY);
  });
});

describe('entry points and the policy at the original host', () => {
  const server = { entry_points: { portal: { hosts: ['portal.example.com'] } } };
  const policy = {
    version: 1,
    mobile_registration: { prompt: false },
    rules: [
      {
        name: 'no externals on the portal',
        when: { entry_point: 'portal', user_type: 'external' },
        then: 'deny',
      },
      { name: 'portal users', when: { entry_point: 'portal', user_type: 'portal' }, then: 'skip' },
      { name: 'trusted here', when: { network: ['127.0.0.0/8'] }, then: 'skip' },
      { name: 'everyone else', then: 'confirm' },
    ],
  };

  it('answers 403 where the policy says deny at that entry point, and 200 where it lets the session through', async () => {
    const { url, cookieOf } = await authzGateway({ server, policy });
    const eve = await cookieOf('eve'); // external, signed in at the standard entry point
    const denied = await forwardAuth(url, 'portal.example.com', '/x', {
      Cookie: eve,
      Accept: 'application/json',
    });
    contract.check(denied);
    expect(denied.status).toBe(403);
    expect(denied.body.error).toBe('access_denied');
    expect(identityOf(denied)).toEqual(NOBODY);
    const browser = await authRequest(url, 'https://portal.example.com/x', { Cookie: eve });
    expect(browser.status).toBe(403);
    expect(browser.type).toBe('text/html');
    // Where she signed in, she passes.
    expect((await forwardAuth(url, 'localhost:8080', '/x', { Cookie: eve })).status).toBe(200);
    // Alice is let through at the portal: the policy's 'trusted here' rule skips her there too.
    const alice = await forwardAuth(url, 'portal.example.com', '/x', { Cookie: await cookieOf('alice') });
    expect(alice.status).toBe(200);
    expect(alice.headers['x-stepgate-user']).toBe('alice');
  });

  it('answers 403 where the entry point does not admit the user type', async () => {
    const { url, cookieOf } = await authzGateway({
      server: { entry_points: { portal: { hosts: ['portal.example.com'], user_types: ['portal'] } } },
    });
    const res = await authRequest(url, 'http://portal.example.com/x', {
      Cookie: await cookieOf('alice'),
      Accept: 'application/json',
    });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('access_denied');
  });

  it('answers 403 where the policy wants a confirmation that a skipped sign-in never made', async () => {
    const { gw, url } = await authzGateway({
      server,
      policy: { ...policy, rules: [policy.rules[1], { name: 'everyone else', then: 'confirm' }] },
    });
    // Pat signs in at the portal, where portal users skip confirmation ...
    const { cookie } = await signIn(gw, 'pat', jsonAgent(gw, { Host: 'portal.example.com' }));
    const atPortal = await forwardAuth(url, 'portal.example.com', '/x', { Cookie: cookie ?? '' });
    expect(atPortal.status).toBe(200);
    // ... and her cookie (cookie_domain) reaches an application at the standard entry point.
    const res = await forwardAuth(url, 'localhost:8080', '/x', {
      Cookie: cookie ?? '',
      Accept: 'application/json',
    });
    contract.check(res);
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('confirmation_required_here');
  });
});

describe('answered without Express, as the proxy fast path answers', () => {
  it('renews a session at most once a minute, and answers in between from the store alone', async () => {
    const { gw, url, cookieOf } = await authzGateway();
    const cookie = await cookieOf('alice');
    const ask = () => authRequest(url, `${PUBLIC_URL}/x`, { Cookie: cookie });
    const renewed = await ask(); // the first question renews the session: Express
    expect(renewed.status).toBe(200);
    expect(renewed.headers['set-cookie']).toBeDefined();
    for (let i = 0; i < 3; i++) {
      const fast = await ask();
      expect(fast.status).toBe(200);
      expect(identityOf(fast)).toEqual(ALICE);
      expect(fast.headers['set-cookie']).toBeUndefined();
    }
    gw.clock.advance(MINUTE);
    expect((await ask()).headers['set-cookie']).toBeDefined();
  });

  it('says where every 200 ends (Content-Length: 0, never chunked), the renewing one too: nginx keeps its connection only then', async () => {
    // Redis, as a fleet runs it: a session saved asynchronously is what made the answer chunked.
    const redis = await openRedisPair();
    const prefix = `stepgate-test:authz-length:${randomUUID()}:`;
    onTestFinished(() => redis.close(prefix));
    const { url, cookieOf } = await authzGateway({
      sessions: redisSessionStore(redis.here.client, { prefix, logger: silentLogger }),
    });
    const cookie = await cookieOf('alice');
    const answers = [
      await authRequest(url, `${PUBLIC_URL}/x`, { Cookie: cookie }), // renews: Express
      await authRequest(url, `${PUBLIC_URL}/x`, { Cookie: cookie }), // the fast path
      await authRequest(url, `${PUBLIC_URL}/public/x`), // a public path, nobody named
    ];
    expect(answers[0]?.headers['set-cookie']).toBeDefined();
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.headers['content-length']).toBe('0');
      expect(answer.headers['transfer-encoding']).toBeUndefined();
      expect(answer.headers['cache-control']).toBe('no-store');
    }
  });

  it('hands over what it cannot be sure of: another entry point, the absolute timeout, a store error', async () => {
    const { gw, url, cookieOf } = await authzGateway({
      server: { entry_points: { portal: { hosts: ['portal.example.com'], user_types: ['portal'] } } },
    });
    const cookie = await cookieOf('alice');
    expect((await authRequest(url, `${PUBLIC_URL}/x`, { Cookie: cookie })).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const portal = await authRequest(url, 'http://portal.example.com/x', {
        Cookie: cookie,
        Accept: 'application/json',
      });
      expect(portal.status).toBe(403);
    }
    type Read = (sid: string, cb: (error: unknown) => void) => void;
    const failing = gw.ports.sessions as unknown as { get: Read; peek: Read };
    const { get, peek } = failing;
    failing.get = (_sid, cb) => cb(new Error('the store is down'));
    failing.peek = failing.get;
    const down = await authRequest(url, `${PUBLIC_URL}/x`, { Cookie: cookie, Accept: 'application/json' });
    expect(down.status).toBe(503);
    failing.get = get;
    failing.peek = peek;
    gw.clock.advance(13 * HOUR);
    const expired = await authRequest(url, `${PUBLIC_URL}/x`, { Cookie: cookie, Accept: 'application/json' });
    expect(expired.status).toBe(401);
    expect(identityOf(expired)).toEqual(NOBODY);
  });
});
