/**
 * SPEC §4: the upstream can trust the identity and forwarding headers it receives. A client's
 * X-Stepgate-* header is removed in any spelling that reads the same once '_' is taken for '-'
 * (CGI, Rack, WSGI and PHP turn both into HTTP_X_STEPGATE_USER), and its Forwarded, X-Real-IP,
 * X-Forwarded-*, X-Original-URL and X-Rewrite-URL are replaced by what the gateway knows or
 * removed. Every route to the upstream is tried: Express, the fast path, a public path, and
 * WebSocket upgrades. Raw sockets send the header names exactly as written.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { BASE, MINUTE, TEST_SESSION_SECRET, flowGateway, signIn, type FlowGateway } from '../helpers/flow.js';
import { TEST_PASSWORD } from '../helpers/gateway.js';
import { rawGet, rawUpgrade } from '../helpers/raw-http.js';

const SKIP_ALL = { version: 1, rules: [{ name: 'let everyone through', then: 'skip' }] };

type Headers = [string, string][];

interface Proxied {
  gw: FlowGateway;
  url: string;
  cookie: string;
}

/** A way to the upstream; returns the headers the upstream received. */
interface Route {
  name: string;
  signedIn: boolean;
  send(proxied: Proxied, headers: Headers): Promise<IncomingHttpHeaders>;
}

async function lastReceived(proxied: Proxied, path: string, headers: Headers, expressAnswers: boolean) {
  const res = await rawGet(proxied.url, path, headers);
  expect(res.status).toBe(200);
  // Express (express-session) renews the cookie on its way out; the fast path never does.
  expect(res.headers['set-cookie'] !== undefined, 'answered by Express').toBe(expressAnswers);
  const echoed = proxied.gw.upstream.received.at(-1);
  expect(echoed?.url).toBe(path);
  return echoed?.headers ?? {};
}

async function upgraded(proxied: Proxied, path: string, headers: Headers) {
  const res = await rawUpgrade(proxied.url, path, headers);
  expect(res.status).toBe(101);
  return (JSON.parse(res.message ?? '{}') as { headers: IncomingHttpHeaders }).headers;
}

const ROUTES: Route[] = [
  {
    name: 'a signed-in request through Express',
    signedIn: true,
    send: (p, headers) => {
      p.gw.clock.advance(MINUTE); // due for renewal: handed over to Express
      return lastReceived(p, '/app', [['Cookie', p.cookie], ...headers], true);
    },
  },
  {
    name: 'a signed-in request on the fast path',
    signedIn: true,
    send: async (p, headers) => {
      await rawGet(p.url, '/warm', [['Cookie', p.cookie]]);
      return lastReceived(p, '/app', [['Cookie', p.cookie], ...headers], false);
    },
  },
  {
    name: 'a public path',
    signedIn: false,
    send: (p, headers) => lastReceived(p, '/public/x', headers, false),
  },
  {
    name: 'a signed-in WebSocket upgrade',
    signedIn: true,
    send: (p, headers) => upgraded(p, '/live', [['Cookie', p.cookie], ...headers]),
  },
  {
    name: 'a WebSocket upgrade to a public path',
    signedIn: false,
    send: (p, headers) => upgraded(p, '/public/live', headers),
  },
];

async function proxied(): Promise<Proxied> {
  const gw = await flowGateway({ policy: SKIP_ALL, config: { upstream: { public_paths: ['/public/'] } } });
  const { url } = await gw.listen();
  const { cookie } = await signIn(gw, 'alice');
  if (!cookie) throw new Error('signing in set no session cookie');
  return { gw, url, cookie };
}

/** Signed in on an https public_url under the session cookie `cookieName` (Secure, so over "https"). */
async function proxiedAs(cookieName: string): Promise<Proxied> {
  const gw = await flowGateway({
    policy: SKIP_ALL,
    config: {
      server: { public_url: 'https://sso.example.org' },
      upstream: { public_paths: ['/public/'] },
      session: { secret: TEST_SESSION_SECRET, cookie_name: cookieName },
    },
  });
  const { url } = await gw.listen();
  const res = await request(gw.app)
    .post(`${BASE}/login`)
    .set('X-Forwarded-Proto', 'https')
    .send({ username: 'alice', password: TEST_PASSWORD });
  expect(res.status).toBe(200);
  const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const cookie = set.find((line) => line.startsWith(`${cookieName}=`))?.split(';')[0];
  if (!cookie) throw new Error(`signing in set no ${cookieName} cookie: ${JSON.stringify(set)}`);
  return { gw, url, cookie };
}

/** Every mix of '-' and '_' between the words of `name`. */
function separatorMixes(name: string): string[] {
  const [first = '', ...rest] = name.split('-');
  let mixes = [first];
  for (const word of rest) mixes = mixes.flatMap((head) => [`${head}-${word}`, `${head}_${word}`]);
  return mixes;
}

const LETTER_CASES: [string, (name: string) => string][] = [
  ['as written', (name) => name],
  ['lower case', (name) => name.toLowerCase()],
  ['upper case', (name) => name.toUpperCase()],
  ['mixed case', (name) => [...name].map((c, i) => (i % 2 ? c.toLowerCase() : c.toUpperCase())).join('')],
];

const IDENTITY = ['X-Stepgate-User', 'X-Stepgate-Email', 'X-Stepgate-Login', 'X-Stepgate-Confirmation'];

/** The headers whose name reads as X-Stepgate-* once '_' is taken for '-'. */
function identityLike(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.replaceAll('_', '-').startsWith('x-stepgate-')),
  );
}

const ALICE = {
  'x-stepgate-user': 'alice',
  'x-stepgate-email': 'alice@example.com',
  'x-stepgate-login': 'direct',
  'x-stepgate-confirmation': 'skipped',
};

const cases = ROUTES.flatMap((route) => LETTER_CASES.map(([letters, spell]) => ({ route, letters, spell })));

describe('identity headers a client sent, in any spelling (SPEC §4)', () => {
  it.each(cases)('never reach the upstream on $route.name, $letters', async ({ route, spell }) => {
    const p = await proxied();
    const forged: Headers = IDENTITY.flatMap(separatorMixes).map((name) => [spell(name), 'root']);
    // An underscore anywhere else in the name, and an unknown header of ours, are ours too.
    forged.push([spell('X-Stepgate-_User'), 'root'], [spell('X_Stepgate_Role'), 'admin']);
    const received = await route.send(p, forged);
    expect(identityLike(received)).toEqual(route.signedIn ? ALICE : {});
  });
});

describe('forwarding headers a client sent (SPEC §4)', () => {
  const CLAIMED: Headers = [
    ['Forwarded', 'for=203.0.113.9;host=evil.example;proto=https'],
    ['X-Real-IP', '203.0.113.9'],
    ['X_Real_IP', '203.0.113.9'],
    ['x-real_ip', '203.0.113.9'],
    ['X-Forwarded-For', '203.0.113.9'],
    ['X_Forwarded_For', '203.0.113.9'],
    ['X-Forwarded-Host', 'evil.example'],
    ['x_forwarded-host', 'evil.example'],
    ['X-Forwarded-Proto', 'https'],
    ['X-Forwarded-Prefix', '/evil'],
    ['X-Forwarded-Port', '443'],
    ['X-Original-URL', '/admin'],
    ['X_Original_URL', '/admin'],
    ['X-Rewrite-URL', '/admin'],
    ['x_rewrite-url', '/admin'],
    // Client-address headers that CDNs set and applications (npm request-ip, Rails) read first.
    ['X-Client-IP', '203.0.113.9'],
    ['True-Client-IP', '203.0.113.9'],
    ['true_client_ip', '203.0.113.9'],
    ['Client-IP', '203.0.113.9'],
    ['X-Cluster-Client-IP', '203.0.113.9'],
    ['CF-Connecting-IP', '203.0.113.9'],
    ['Fastly-Client-IP', '203.0.113.9'],
  ];

  it.each(ROUTES)('are replaced by what the gateway knows, or removed, on $name', async (route) => {
    const p = await proxied();
    const host = new URL(p.url).host;
    const received = await route.send(p, CLAIMED);
    expect(received['x-forwarded-for']).toBe('127.0.0.1');
    expect(received['x-forwarded-host']).toBe(host);
    expect(received['x-forwarded-proto']).toBe('http');
    expect(received['x-real-ip']).toBe('127.0.0.1');
    expect(received.forwarded).toBe(`for=127.0.0.1;host="${host}";proto=http`);
    for (const name of Object.keys(received)) {
      expect(name).not.toMatch(/_/);
      expect(name).not.toMatch(/^x-(original|rewrite)-url$|^x-forwarded-(prefix|port)$/);
      expect(name).not.toMatch(/client-ip|connecting-ip/);
    }
  });
});

describe("a client's Connection header (RFC 9110 §7.6.1)", () => {
  // A proxy on the way to the application (Apache, Traefik) removes every header the Connection
  // header names: a client naming ours would have it drop the identity and forwarding headers
  // the gateway wrote, and the application see the gateway as the client.
  const NOMINATED = ['X-Stepgate-User', 'X-Forwarded-For', 'X-Real-IP', 'Forwarded', 'X-Custom'];

  it.each(ROUTES)('names none of the forwarded headers on $name', async (route) => {
    const p = await proxied();
    const received = await route.send(p, [
      ['Connection', `keep-alive, ${NOMINATED.join(', ')}`],
      ['X-Custom', 'hop-by-hop'],
    ]);
    const named = (received.connection ?? '').split(',').map((token) => token.trim().toLowerCase());
    for (const name of NOMINATED) expect(named).not.toContain(name.toLowerCase());
    expect(received['x-custom']).toBeUndefined();
    expect(received['x-forwarded-for']).toBe('127.0.0.1');
    if (route.signedIn) expect(received['x-stepgate-user']).toBe('alice');
  });
});

describe("stepgate's cookies", () => {
  // The pre-session cookies are __Host- cookies at Path=/ outside localhost, so they go with every
  // request; the application has its own cookies, one of them even named like ours.
  const MIXED =
    'theme=dark; __Host-stepgate_session_csrf=a; lang=fr; stepgate_session_saml=b; ' +
    '__Host-stepgate_session_oidc_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=c; stepgate_session_csrf=d; ' +
    'stepgate_session_oidc_x=e; __Host-stepgate_session_saml=f; __Host-stepgate_session_oidc=g; ' +
    'stepgate_session_other=kept; z=1';

  it.each(ROUTES)(
    "never reach the upstream on $name, and the application's keep their order",
    async (route) => {
      const p = await proxied();
      // Without a session (a public path), a session cookie of any value is taken out too.
      const cookie = route.signedIn ? MIXED : `stepgate_session=s%3Aanything; ${MIXED}`;
      const received = await route.send(p, [['Cookie', cookie]]);
      expect(received.cookie).toBe('theme=dark; lang=fr; stepgate_session_other=kept; z=1');
    },
  );
});

describe('a session cookie_name whose prefix is in another letter case', () => {
  // Browsers hold '__HOST-' and '__secure-' names to the prefixes' rules as well, and the config
  // accepts such a name: the session cookie, and the pre-session cookies under any spelling of
  // their prefix, are stepgate's all the same.
  const OTHERS =
    'app=1; __host-sgsid_csrf=a; __SECURE-sgsid_saml=b; ' +
    '__Host-sgsid_oidc_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=c; __HoSt-sgsid=d; other=2';

  it.each(ROUTES)('never reach the upstream on $name', async (route) => {
    const p = await proxiedAs('__HOST-sgsid');
    expect(p.cookie).toMatch(/^__HOST-sgsid=s%3A/);
    const cookie = route.signedIn ? OTHERS : `__HOST-sgsid=s%3Aanything; ${OTHERS}`;
    const received = await route.send(p, [
      ['Cookie', cookie],
      ['X-Forwarded-Proto', 'https'],
    ]);
    expect(received.cookie).toBe('app=1; other=2');
    if (route.signedIn) expect(received['x-stepgate-user']).toBe('alice');
  });
});
