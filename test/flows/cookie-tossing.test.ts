/**
 * Cookie tossing: a host beside the gateway (evil.example.org beside sso.example.org) sets cookies
 * for the whole domain, which the browser sends to the gateway too. Outside localhost the cookies
 * that bind a sign-in to a browser are __Host- cookies that no other host can set; anywhere, a
 * cookie the gateway reads that comes twice (the sibling's and ours) binds nothing, and two
 * session cookies are no session. Every duplicate is tried in both orders: a browser sends the
 * cookie with the longer Path first, and the sibling chooses the Path.
 */
import request from 'supertest';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  BASE,
  TEST_SESSION_SECRET,
  csrfTokenOf,
  flowGateway,
  signIn,
  type FlowGateway,
} from '../helpers/flow.js';
import { TEST_PASSWORD } from '../helpers/gateway.js';
import { answerFor, serviceProvider, type Browser as SamlBrowser } from '../helpers/saml-idp.js';
import { Browser, oidcGateway, signInAtProvider, startOidcProvider } from '../helpers/oidc-provider.js';

const SKIP_ALL = { version: 1, rules: [{ name: 'let everyone through', then: 'skip' }] };
const PUBLISHED = { public_url: 'https://sso.example.org' };
const sp = serviceProvider();
const TOSSED = 'cookie sent twice, as one tossed in from a sibling host would be';

function setCookies(res: { headers: Record<string, unknown> }): string[] {
  return ([] as string[]).concat((res.headers['set-cookie'] as string[] | undefined) ?? []);
}

/** `name=value` of the cookie `name` that `res` set. */
function pairOf(res: { headers: Record<string, unknown> }, name: string): string {
  const line = setCookies(res).find((c) => c.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie in ${JSON.stringify(res.headers['set-cookie'])}`);
  return line.split(';', 1)[0] ?? '';
}

/** Both orders of the victim's and the attacker's cookie of one name. */
const bothOrders = (victim: string, attacker: string) => [`${attacker}; ${victim}`, `${victim}; ${attacker}`];

function watchWarnings(gw: Pick<FlowGateway, 'ports'>) {
  const warn = vi.spyOn(gw.ports.logger, 'warn');
  onTestFinished(() => warn.mockRestore());
  return warn;
}

/** A __Host- cookie as browsers require it: Secure, Path=/, no Domain. */
function expectHostOnly(line: string | undefined) {
  expect(line).toBeDefined();
  expect(line).toMatch(/; Path=\/(;|$)/);
  expect(line).toMatch(/; Secure/);
  expect(line).toMatch(/; HttpOnly/);
  expect(line).not.toMatch(/Domain=/i);
}

describe('outside localhost, without a cookie_domain', () => {
  it('sets the CSRF visitor cookie, the SAML binding and the OpenID Connect sign-in as __Host- cookies', async () => {
    const idp = await startOidcProvider();
    onTestFinished(() => idp.close());
    idp.register(`${PUBLISHED.public_url}${BASE}/oidc/callback`);
    const gw = await flowGateway({
      saml: sp,
      config: {
        server: PUBLISHED,
        logins: { oidc: { issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret } },
      },
    });

    const page = await request(gw.app).get(`${BASE}/login`).set('Accept', 'text/html');
    const csrf = setCookies(page).find((c) => c.startsWith('__Host-stepgate_session_csrf='));
    expectHostOnly(csrf);
    expect(csrf).toMatch(/; SameSite=Lax/);

    const saml = await request(gw.app).get(`${BASE}/saml/login`);
    const binding = setCookies(saml).find((c) => c.startsWith('__Host-stepgate_session_saml='));
    expectHostOnly(binding);
    expect(binding).toMatch(/; SameSite=None/);

    const oidc = await request(gw.app).get(`${BASE}/oidc/login`);
    expect(oidc.status).toBe(302);
    const pending = setCookies(oidc).find((c) => c.startsWith('__Host-stepgate_session_oidc='));
    expectHostOnly(pending);
    expect(pending).toMatch(/; SameSite=Lax/);
    // The unprefixed names are not set at all.
    for (const res of [page, saml, oidc])
      expect(setCookies(res).join('\n')).not.toMatch(/^stepgate_session_/m);
  });

  it('keeps the plain names, and base_path, with a cookie_domain (hosts below it are trusted)', async () => {
    const gw = await flowGateway({
      config: {
        server: PUBLISHED,
        session: { secret: TEST_SESSION_SECRET, cookie_domain: 'example.org' },
      },
    });
    const page = await request(gw.app).get(`${BASE}/login`).set('Accept', 'text/html');
    const csrf = setCookies(page).find((c) => c.startsWith('stepgate_session_csrf='));
    expect(csrf).toMatch(/; Domain=example\.org; Path=\/_stepgate;/);
  });
});

describe('a binding cookie sent twice', () => {
  it('refuses the sign-in form, whichever token and order, and names the cookie in the log', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const warn = watchWarnings(gw);
    const page = async () => {
      const res = await request(gw.app).get(`${BASE}/login`).set('Accept', 'text/html');
      return { cookie: pairOf(res, 'stepgate_session_csrf'), token: csrfTokenOf(res.text) };
    };
    const attacker = await page();
    const victim = await page();
    const post = (cookie: string, token: string) =>
      request(gw.app)
        .post(`${BASE}/login`)
        .set('Accept', 'application/json')
        .set('Cookie', cookie)
        .type('form')
        .send({ username: 'bob', password: TEST_PASSWORD, _csrf: token });

    for (const cookie of bothOrders(victim.cookie, attacker.cookie)) {
      for (const token of [attacker.token, victim.token]) {
        const res = await post(cookie, token);
        expect(res.status, cookie).toBe(403);
        expect(res.body.error).toBe('invalid_csrf_token');
      }
    }
    expect(warn).toHaveBeenCalledWith(TOSSED, {
      cookie: 'stepgate_session_csrf',
      outcome: 'invalid_csrf_token',
    });
    expect(JSON.stringify(warn.mock.calls)).not.toContain(attacker.cookie.split('=')[1]);
    // The victim's own cookie alone still works.
    expect((await post(victim.cookie, victim.token)).status).toBe(200);
  });

  it("refuses the attacker's SAML answer at the ACS, and the victim's own too, until one cookie is left", async () => {
    const gw = await flowGateway({ saml: sp, policy: SKIP_ALL });
    const warn = watchWarnings(gw);
    /** A browser whose binding cookie is kept aside, to be sent by hand. */
    const starting = () => {
      const seen: { cookie: string } = { cookie: '' };
      const browser: SamlBrowser = {
        get: async (url) => {
          const res = await request(gw.app).get(url);
          seen.cookie = pairOf(res, 'stepgate_session_saml');
          return res;
        },
      };
      return { browser, seen };
    };
    const post = (cookie: string, SAMLResponse: string) =>
      request(gw.app)
        .post(`${BASE}/saml/acs`)
        .set('Accept', 'application/json')
        .set('Cookie', cookie)
        .type('form')
        .send({ SAMLResponse, RelayState: '/' });

    // The service provider takes a request id out of its cache once an answer to it was checked,
    // so every attempt starts two fresh sign-ins.
    for (const order of [0, 1]) {
      for (const whose of ['attacker', 'victim']) {
        const attacker = starting();
        const mallory = await answerFor(attacker.browser, sp, { nameId: 'mallory@example.org' });
        const victim = starting();
        const ada = await answerFor(victim.browser, sp, { nameId: 'ada@example.org' });
        const cookie = bothOrders(victim.seen.cookie, attacker.seen.cookie)[order] ?? '';
        const res = await post(cookie, whose === 'attacker' ? mallory : ada);
        expect(res.status, `${whose}: ${cookie}`).toBe(401);
        expect(res.body.error).toBe('saml_unbound');
      }
    }
    expect(warn).toHaveBeenCalledWith(TOSSED, {
      cookie: 'stepgate_session_saml',
      outcome: 'no sign-in bound to this browser',
    });
    const victim = starting();
    const ada = await answerFor(victim.browser, sp, { nameId: 'ada@example.org' });
    const own = await post(victim.seen.cookie, ada);
    expect(own.status, JSON.stringify(own.body)).toBe(200);
  });

  it('refuses the OpenID Connect callback with a second pending sign-in cookie, in either order', async () => {
    const { gw, url, idp } = await oidcGateway();
    const warn = watchWarnings(gw);
    const victim = new Browser();
    const callback = await signInAtProvider(victim, url);
    const own = victim.jar(url).header();
    const name = own.split('=', 1)[0] ?? '';
    expect(name).toBe('stepgate_session_oidc');
    // The sibling's own sign-in's cookie, which a sibling host can set under the same name.
    const attacker = new Browser();
    await signInAtProvider(attacker, url);
    const tossed = `${name}=${attacker.jar(url).header().split('=').slice(1).join('=')}`;
    const get = (cookie: string) =>
      fetch(callback, { headers: { Accept: 'application/json', Cookie: cookie }, redirect: 'manual' });

    for (const cookie of bothOrders(own, tossed)) {
      const res = await get(cookie);
      expect(res.status, cookie).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe('oidc_unbound');
    }
    expect(warn).toHaveBeenCalledWith(TOSSED, { cookie: name, outcome: 'oidc_unbound' });
    expect(idp.tokensIssued).toBe(0);
    expect((await get(own)).status).toBe(200);
  });
});

describe('the session cookie sent twice', () => {
  it('is no session, on the fast path and through Express, is cleared, and is no 500', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const warn = watchWarnings(gw);
    const alice = (await signIn(gw, 'alice')).cookie ?? '';
    const bob = (await signIn(gw, 'bob')).cookie ?? '';
    expect(alice).toMatch(/^stepgate_session=s%3A/);

    for (const cookie of bothOrders(alice, bob)) {
      const res = await request(gw.app).get('/app').set('Accept', 'application/json').set('Cookie', cookie);
      expect(res.status, cookie).toBe(401);
      expect(res.body.error).toBe('sign_in_required');
      expect(setCookies(res).find((c) => c.startsWith('stepgate_session=;'))).toMatch(
        /Expires=Thu, 01 Jan 1970/,
      );
      const page = await request(gw.app)
        .get(`${BASE}/login`)
        .set('Accept', 'application/json')
        .set('Cookie', cookie);
      expect(page.body.signed_in).toBe(false);
    }
    expect(gw.upstream.received).toHaveLength(0);
    expect(warn).toHaveBeenCalledWith(TOSSED, { cookie: 'stepgate_session', outcome: 'no session' });
    const own = await request(gw.app).get('/app').set('Accept', 'application/json').set('Cookie', alice);
    expect(own.status).toBe(200);
    expect(own.body.headers['x-stepgate-user']).toBe('alice');
  });
});
