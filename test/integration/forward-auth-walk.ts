/**
 * One walk through a real proxy in forward-auth mode, shared by the nginx and Caddy tests: an
 * anonymous browser is sent to sign in, signs in and confirms with the code from the outbox, and
 * the application then gets the identity headers from stepgate, never the ones the client sent.
 * The proxy, stepgate and the application are three processes on loopback ports.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_HASH, TEST_PASSWORD } from '../helpers/gateway.js';
import { CookieJar } from '../helpers/http-client.js';
import { rawGet } from '../helpers/raw-http.js';
import { freePort, startStepgate, writeProcessConfig, type StepgateProcess } from '../helpers/processes.js';
import type { ProxyProcess } from '../helpers/proxies.js';
import { startEchoUpstream, type EchoUpstream } from '../helpers/upstream.js';

type StartProxy = (options: {
  dir: string;
  port: number;
  stepgate: string;
  app: string;
}) => Promise<ProxyProcess>;

const BASE = '/_stepgate';
const HTML = 'text/html,application/xhtml+xml';
/** Every sign-in confirmed by a challenge, no mobile prompt: the walks' policy, and the cache test's. */
export const CONFIRM_EVERYONE = [
  'version: 1',
  'mobile_registration: { prompt: false }',
  'rules:',
  '  - { name: everyone, then: confirm_always }',
  '',
].join('\n');

function hostOf(url: string): string {
  return new URL(url).host;
}

/** Where the proxies differ, as documented in docs/forward-auth.md. */
export interface ProxyQuirks {
  /** Each Cookie line is edited on its own, and a line left empty removes them all (Caddy). */
  cookieLinesEditedApart?: boolean;
}

export function describeForwardAuth(
  proxyName: string,
  startProxy: StartProxy,
  quirks: ProxyQuirks = {},
): void {
  describe(`stepgate behind ${proxyName} (docs/forward-auth.md)`, () => {
    let dir: string;
    let upstream: EchoUpstream;
    let stepgate: StepgateProcess;
    let proxy: ProxyProcess;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `stepgate-${proxyName}-`));
      upstream = await startEchoUpstream();
      const port = await freePort();
      const config = writeProcessConfig({
        dir,
        publicUrl: `http://127.0.0.1:${port}`,
        server: ['trusted_proxies: [127.0.0.1]'],
        upstream: `url: ${upstream.url}, public_paths: [/public/]`,
        users: `alice: { password_hash: ${JSON.stringify(TEST_HASH)}, email: alice@example.com }\n`,
        policy: CONFIRM_EVERYONE,
      });
      stepgate = await startStepgate({ config, env: {}, cwd: dir });
      proxy = await startProxy({ dir, port, stepgate: hostOf(stepgate.url), app: hostOf(upstream.url) });
    }, 90_000);

    afterAll(async () => {
      await proxy?.stop();
      await stepgate?.stop();
      await upstream?.close();
    });

    /** A request through the proxy, as a browser sends it, with the jar's cookies. */
    async function get(path: string, jar: CookieJar, headers: Record<string, string> = {}) {
      const cookie = jar.header();
      const res = await fetch(`${proxy.url}${path}`, {
        headers: { Accept: HTML, ...(cookie !== '' && { Cookie: cookie }), ...headers },
        redirect: 'manual',
        signal: AbortSignal.timeout(30_000),
      });
      jar.take(res);
      return { status: res.status, headers: res.headers, text: await res.text() };
    }

    async function post(path: string, jar: CookieJar, body: string, type: string) {
      const res = await fetch(`${proxy.url}${path}`, {
        method: 'POST',
        headers: {
          Accept: type === 'application/json' ? type : HTML,
          'Content-Type': type,
          Cookie: jar.header(),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(30_000),
      });
      jar.take(res);
      return { status: res.status, headers: res.headers, text: await res.text() };
    }

    function lastEmailCode(): string {
      const lines = readFileSync(join(dir, 'stepgate.outbox.jsonl'), 'utf8').trim().split('\n');
      const entry = JSON.parse(lines.at(-1) ?? '{}') as { to?: string; body?: string };
      expect(entry.to).toBe('alice@example.com');
      const code = /\d{6}/.exec(entry.body ?? '')?.[0];
      if (code === undefined) throw new Error(`no code in ${JSON.stringify(entry)}`);
      return code;
    }

    it('sends an anonymous browser to sign in, and after the sign-in and the code the application gets the identity', async () => {
      const jar = new CookieJar();
      const before = upstream.received.length;
      const first = await get('/reports/2026?q=1', jar);
      expect(first.status, proxy.output()).toBe(302);
      const signInPage = `${proxy.url}${BASE}/login?return_to=${encodeURIComponent('/reports/2026?q=1')}`;
      expect(first.headers.get('location')).toBe(signInPage);
      expect(upstream.received.length).toBe(before);

      const page = await get(signInPage.slice(proxy.url.length), jar);
      expect(page.status).toBe(200);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
      expect(page.text).toContain('name="return_to" value="/reports/2026?q=1"');
      const form = new URLSearchParams({
        username: 'alice',
        password: TEST_PASSWORD,
        return_to: '/reports/2026?q=1',
        _csrf: csrf,
      });
      const signedIn = await post(`${BASE}/login`, jar, form.toString(), 'application/x-www-form-urlencoded');
      expect(signedIn.status, signedIn.text).toBe(303);
      expect(signedIn.headers.get('location')).toBe(`${BASE}/confirm`);
      // Signed in, not confirmed: still not through.
      expect((await get('/reports/2026?q=1', jar)).status).toBe(302);

      const sent = await post(
        `${BASE}/confirm/send`,
        jar,
        JSON.stringify({ method: 'email' }),
        'application/json',
      );
      expect(sent.status, sent.text).toBe(200);
      const body = JSON.stringify({ method: 'email', code: lastEmailCode() });
      const verified = await post(`${BASE}/confirm/verify`, jar, body, 'application/json');
      expect(verified.status, verified.text).toBe(200);
      expect(JSON.parse(verified.text)).toEqual({ next: 'done', redirect: '/reports/2026?q=1' });

      const app = await get('/reports/2026?q=1', jar, {
        'X-Stepgate-User': 'mallory',
        X_Stepgate_User: 'mallory',
        'x-stepgate_email': 'mallory@example.com',
        Cookie: `${jar.header()}; theme=dark`,
      });
      expect(app.status, proxy.output()).toBe(200);
      const seen = upstream.received.at(-1);
      expect(seen?.url).toBe('/reports/2026?q=1');
      expect(seen?.headers).toMatchObject({
        'x-stepgate-user': 'alice',
        'x-stepgate-email': 'alice@example.com',
        'x-stepgate-login': 'direct',
        'x-stepgate-confirmation': 'email',
      });
      const names = Object.keys(seen?.headers ?? {});
      expect(names.filter((name) => /^x[-_]stepgate[-_]/i.test(name)).sort()).toEqual([
        'x-stepgate-confirmation',
        'x-stepgate-email',
        'x-stepgate-login',
        'x-stepgate-user',
      ]);
      // The application never gets stepgate's cookies (the session, the sign-in form's CSRF
      // cookie, which the jar sends on every path); its own cookies pass.
      expect(jar.header()).toContain('stepgate_session_csrf=');
      expect(seen?.headers.cookie ?? '').not.toContain('stepgate_session');
      expect(seen?.headers.cookie).toContain('theme=dark');

      // A form posted to the application goes through with its body, as whoever signed in.
      const posted = await post('/reports/2026', jar, 'title=Q4', 'application/x-www-form-urlencoded');
      expect(posted.status, proxy.output()).toBe(200);
      expect(upstream.received.at(-1)).toMatchObject({
        method: 'POST',
        url: '/reports/2026',
        headers: { 'x-stepgate-user': 'alice', 'content-length': '8' },
      });

      // Signed out, the application is closed again.
      await post(`${BASE}/logout`, jar, JSON.stringify({}), 'application/json');
      expect((await get('/reports/2026?q=1', jar)).status).toBe(302);
    });

    it('gives an API client without a session 401, not the application', async () => {
      const before = upstream.received.length;
      const res = await get('/api/items', new CookieJar(), { Accept: 'application/json' });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.text)).toMatchObject({ error: 'sign_in_required' });
      expect(upstream.received.length).toBe(before);
    });

    it('lets a public path through without identity, whatever the client claims', async () => {
      const res = await get('/public/app.css', new CookieJar(), {
        'X-Stepgate-User': 'mallory',
        X_Stepgate_User: 'm',
      });
      expect(res.status).toBe(200);
      const seen = upstream.received.at(-1);
      expect(seen?.url).toBe('/public/app.css');
      expect(Object.entries(seen?.headers ?? {}).filter(([name]) => /stepgate/i.test(name))).toEqual([]);
    });

    it('does not take a path with an encoded slash into a public one for a public path', async () => {
      const before = upstream.received.length;
      const res = await get('/private/..%2Fpublic/x', new CookieJar());
      expect(res.status).toBe(302);
      expect(upstream.received.length).toBe(before);
    });

    it('judges the host the proxy routed by, not a Host header that differs from the request line', async () => {
      // An absolute-form target names the host the proxy serves; a Host header naming another
      // (an entry point a session is exempt at) must not be what stepgate or the application sees.
      const routed = new URL(proxy.url).host;
      const res = await rawGet(proxy.url, `${proxy.url}/public/absolute`, [['Host', 'portal.localhost']]);
      expect(res.status).toBe(200);
      const seen = upstream.received.at(-1);
      expect(seen?.url).toBe('/public/absolute');
      expect(seen?.headers['x-forwarded-host'] ?? seen?.headers.host).toBe(routed);
    });

    it("takes every copy of stepgate's cookies out of Cookie and leaves the application its own, in order", async () => {
      // A public path: stepgate lets it through without a session, so the Cookie header the
      // application gets is the proxy's doing alone.
      const cases: { sent: string[]; seen: string | undefined }[] = [
        { sent: ['stepgate_session=s1; theme=dark'], seen: 'theme=dark' },
        { sent: ['theme=dark; stepgate_session=s1; lang=fr'], seen: 'theme=dark; lang=fr' },
        { sent: ['theme=dark; stepgate_session=s1'], seen: 'theme=dark' },
        { sent: ['theme=dark;stepgate_session=s1;lang=fr'], seen: 'theme=dark;lang=fr' },
        { sent: ['stepgate_session=s1'], seen: undefined },
        { sent: ['stepgate_session=s1; stepgate_session=s2'], seen: undefined },
        {
          sent: ['stepgate_session=s1; theme=dark; stepgate_session=s2; lang=fr'],
          seen: 'theme=dark; lang=fr',
        },
        {
          sent: ['a=1; stepgate_session=s1; b=2; stepgate_session=s2; c=3; stepgate_session=s3'],
          seen: 'a=1; b=2; c=3',
        },
        { sent: ['a=1; stepgate_session=s1', 'stepgate_session=s2; b=2'], seen: 'a=1; b=2' },
        // Two Cookie lines (no browser sends them over HTTP/1.1; HTTP/2's are joined into one):
        // nginx joins them first; Caddy edits each, and one left empty takes the others with it.
        {
          sent: ['stepgate_session=s1', 'theme=dark'],
          seen: quirks.cookieLinesEditedApart ? undefined : 'theme=dark',
        },
        {
          sent: ['xstepgate_session=x; stepgate_session=s1; stepgate_sessionx=y'],
          seen: 'xstepgate_session=x; stepgate_sessionx=y',
        },
        { sent: ['stepgate_session =s1; theme=dark'], seen: 'theme=dark' },
        {
          sent: ['__Host-stepgate_session=h1; theme=dark; __Secure-stepgate_session=h2'],
          seen: 'theme=dark',
        },
        {
          sent: ['theme=dark; __host-stepgate_session=h1; __Hostx-stepgate_session=k'],
          seen: 'theme=dark; __Hostx-stepgate_session=k',
        },
        // The pre-session cookies (CSRF visitor, SAML binding, pending OpenID Connect sign-ins):
        // '__Host-' cookies at Path=/ on https, so they go with the application's requests too.
        { sent: ['__Host-stepgate_session_csrf=c1; theme=dark'], seen: 'theme=dark' },
        { sent: ['stepgate_session_csrf=c1; theme=dark; stepgate_session_saml=b1'], seen: 'theme=dark' },
        {
          sent: ['theme=dark; __Host-stepgate_session_oidc_Zm9v-YmFy_1=o1; lang=fr'],
          seen: 'theme=dark; lang=fr',
        },
        {
          sent: ['__HOST-stepgate_session_saml=b1; __secure-stepgate_session_csrf=c1; a=1'],
          seen: 'a=1',
        },
        { sent: ['stepgate_session_oidc_st1 =o1;theme=dark'], seen: 'theme=dark' },
        { sent: ['theme=dark; __Host-stepgate_session_oidc=o1'], seen: 'theme=dark' },
        {
          sent: [
            '__Host-stepgate_session=s1; theme=dark; __Host-stepgate_session_csrf=c1; ' +
              '__Host-stepgate_session_oidc_st1=o1; lang=fr; __Host-stepgate_session_oidc=o2; ' +
              '__Host-stepgate_session_saml=b1; stepgate_session=s0',
          ],
          seen: 'theme=dark; lang=fr',
        },
        { sent: ['__Host-stepgate_session_csrf=c1; a=1', 'stepgate_session_saml=b1; b=2'], seen: 'a=1; b=2' },
        {
          sent: [
            'stepgate_session_csrfx=1; stepgate_session_oidc_=2; stepgate_session_oidcx=3; ' +
              'stepgate_session_sam=4; xstepgate_session_csrf=5; stepgate_session_csrf=c1',
          ],
          seen:
            'stepgate_session_csrfx=1; stepgate_session_oidc_=2; stepgate_session_oidcx=3; ' +
            'stepgate_session_sam=4; xstepgate_session_csrf=5',
        },
      ];
      for (const [i, { sent, seen }] of cases.entries()) {
        const target = `/public/cookies/${i}`;
        const res = await rawGet(
          proxy.url,
          target,
          sent.map((value): [string, string] => ['Cookie', value]),
        );
        expect(res.status, `${sent.join(' | ')}\n${proxy.output()}`).toBe(200);
        const echoed = upstream.received.at(-1);
        expect(echoed?.url).toBe(target);
        expect(echoed?.headers.cookie, sent.join(' | ')).toBe(seen);
      }
    });

    it("never lets stepgate's cookies through, however many copies a client sends", async () => {
      const names = [
        '__Host-stepgate_session_csrf',
        'stepgate_session_saml',
        '__Secure-stepgate_session_oidc_st',
      ];
      const copies = Array.from({ length: 12 }, (_, i) => `${names[i % 3]}=s${i}; app${i}=v`);
      copies.push('stepgate_session=s; last=v');
      const res = await rawGet(proxy.url, '/public/cookies/many', [['Cookie', copies.join('; ')]]);
      expect(res.status).toBe(200);
      expect(upstream.received.at(-1)?.headers.cookie ?? '').not.toMatch(/stepgate_session/);
    });

    it('removes the client-address and forwarded headers a client wrote, in any letter case', async () => {
      const claimed: [string, string][] = [
        ['x-CLIENT-ip', 'claimed-0'],
        ['True-Client-IP', 'claimed-1'],
        ['CLIENT-IP', 'claimed-2'],
        ['X-Cluster-Client-Ip', 'claimed-3'],
        ['cf-connecting-ip', 'claimed-4'],
        ['Fastly-Client-IP', 'claimed-5'],
        ['X-REAL-IP', 'claimed-6'],
        ['x-forwarded-for', 'claimed-7'],
        ['X-Forwarded-Proto', 'claimed-8'],
        ['X-FORWARDED-HOST', 'claimed-9'],
        ['X-Forwarded-Port', 'claimed-10'],
        ['x-forwarded-prefix', 'claimed-11'],
        ['X-Forwarded-Server', 'claimed-12'],
        ['X-Forwarded-Ssl', 'claimed-13'],
        ['x-forwarded-scheme', 'claimed-14'],
        ['X-Forwarded-Uri', 'claimed-15'],
        ['X-Forwarded-Method', 'claimed-16'],
        ['FORWARDED', 'claimed-17'],
        ['x-original-url', 'claimed-18'],
        ['X-Rewrite-Url', 'claimed-19'],
        ['X_Client_IP', 'claimed-20'],
        ['True_Client_IP', 'claimed-21'],
        ['X-Cluster_Client-IP', 'claimed-22'],
        ['Cf_Connecting-IP', 'claimed-23'],
        ['x_real_ip', 'claimed-24'],
        ['X_Forwarded_For', 'claimed-25'],
      ];
      const res = await rawGet(proxy.url, '/public/addresses', claimed);
      expect(res.status, proxy.output()).toBe(200);
      const seen = upstream.received.at(-1);
      expect(seen?.url).toBe('/public/addresses');
      const headers = seen?.headers ?? {};
      // Nothing the client claimed arrives, under any spelling that reads the same once '_' is
      // taken for '-' (as CGI, PHP, Rack and WSGI read them).
      const values = Object.entries(headers).map(([name, value]) => `${name}: ${String(value)}`);
      expect(values.filter((line) => line.includes('claimed-'))).toEqual([]);
      const folded = Object.keys(headers).map((name) => name.replaceAll('_', '-'));
      for (const name of [
        'x-client-ip',
        'true-client-ip',
        'client-ip',
        'x-cluster-client-ip',
        'cf-connecting-ip',
        'fastly-client-ip',
        'x-forwarded-port',
        'x-forwarded-prefix',
        'x-forwarded-server',
        'x-forwarded-ssl',
        'x-forwarded-scheme',
        'x-forwarded-uri',
        'x-forwarded-method',
        'x-original-url',
        'x-rewrite-url',
      ]) {
        expect(folded, name).not.toContain(name);
      }
      // What the proxy knows instead: the client is 127.0.0.1, over http, to the proxy's host.
      expect(headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(headers['x-forwarded-proto']).toBe('http');
      expect(headers['x-forwarded-host']).toBe(new URL(proxy.url).host);
      expect(headers['x-real-ip'] ?? '127.0.0.1').toBe('127.0.0.1');
      expect(headers.forwarded).toBeUndefined();
    });

    it('keeps the verification endpoint from clients', async () => {
      const res = await get(`${BASE}/authz/forward-auth`, new CookieJar(), {
        'X-Forwarded-Host': 'evil.example',
        'X-Forwarded-Uri': '/public/x',
      });
      expect(res.status).toBe(404);
    });
  });
}
