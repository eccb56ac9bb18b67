/**
 * SPEC §3 `logins.oidc`, §4 `/oidc/login`, `/oidc/callback`: federated sign-in through a real
 * OpenID Connect provider (oidc-provider) on a loopback port, followed as a browser follows it.
 * Claims are mapped like SAML attributes; the sign-in is `login: oidc` in the policy. Refused
 * answers and provider outages are in oidc-refusals.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { BASE, EMAIL_OPTION, NO_PROMPT, flowGateway } from '../helpers/flow.js';
import { Browser, oidcGateway, signInAtProvider } from '../helpers/oidc-provider.js';

const ENGINEERING = 'CN=Engineering,OU=Groups,DC=example,DC=org';

/** What the echo upstream saw of the request it answered. */
function upstreamHeaders(body: Record<string, unknown>): Record<string, string | undefined> {
  return (body.headers ?? {}) as Record<string, string | undefined>;
}

/** The href of the sign-in page's OpenID Connect button, unescaped. */
function buttonHref(page: string): string {
  const match = /<a class="button[^"]*"\s+href="([^"]*\/oidc\/login[^"]*)"\s*>([^<]*)<\/a\s*>/.exec(page);
  if (!match?.[1]) throw new Error('no OpenID Connect button on the page');
  return match[1].replaceAll('&amp;', '&');
}

describe('signing in through OpenID Connect', () => {
  it('goes from the application to the provider and back, unchallenged, to the page asked for', async () => {
    const { idp, gw, url } = await oidcGateway({ oidc: { display_name: 'Corp SSO' } });
    idp.signInAs({ sub: 'ada', email: 'ada@example.org', email_verified: true, groups: [ENGINEERING] });
    const browser = new Browser();

    const signInPage = await browser.follow(`${url}/docs/intro?page=2`);
    expect(signInPage.status).toBe(200);
    expect(signInPage.text).toContain('Sign in with Corp SSO');
    const app = await browser.follow(new URL(buttonHref(signInPage.text), url));

    expect(app.status).toBe(200);
    expect(app.url.pathname + app.url.search).toBe('/docs/intro?page=2');
    const headers = upstreamHeaders(app.body);
    expect(headers['x-stepgate-user']).toBe('ada');
    expect(headers['x-stepgate-email']).toBe('ada@example.org');
    expect(headers['x-stepgate-login']).toBe('oidc');
    expect(headers['x-stepgate-confirmation']).toBe('skipped');
    expect(gw.outbox()).toEqual([]);
    expect(idp.tokensIssued).toBe(1);
    expect(await gw.store.queryHistory({ user: 'ada', limit: 10 })).toEqual([
      expect.objectContaining({ method: 'none', status: 'Skipped', login: 'oidc' }),
    ]);
  });

  it('asks the provider with PKCE (S256), a state and a nonce, for the configured scopes', async () => {
    const { url, idp } = await oidcGateway({ oidc: { scopes: ['openid', 'profile'] } });
    const res = await new Browser().get(`${url}${BASE}/oidc/login`);
    expect(res.status).toBe(302);
    const authorization = new URL(res.location ?? '');
    expect(authorization.origin).toBe(idp.issuer);
    const query = authorization.searchParams;
    expect(query.get('response_type')).toBe('code');
    expect(query.get('client_id')).toBe(idp.clientId);
    expect(query.get('redirect_uri')).toBe(`${url}${BASE}/oidc/callback`);
    expect(query.get('scope')).toBe('openid profile');
    expect(query.get('code_challenge_method')).toBe('S256');
    expect(query.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(query.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(query.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('answers an API client at the callback with JSON, and the session is signed in', async () => {
    const { url } = await oidcGateway();
    const browser = new Browser();
    const callback = await signInAtProvider(browser, url, '/reports');
    const res = await browser.get(callback, 'application/json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ next: 'done', redirect: '/reports' });
    const app = await browser.get(`${url}/reports`, 'application/json');
    expect(upstreamHeaders(app.body)['x-stepgate-login']).toBe('oidc');
  });

  it('keeps return_to on our own origin', async () => {
    const { url } = await oidcGateway();
    for (const returnTo of ['https://evil.example/x', '//evil.example/x', 'javascript:alert(1)']) {
      const browser = new Browser();
      const res = await browser.get(await signInAtProvider(browser, url, returnTo));
      expect(res.status).toBe(303);
      expect(res.location).toBe('/');
    }
  });

  it('lets two sign-ins started in two tabs of one browser each finish', async () => {
    const { url } = await oidcGateway();
    const browser = new Browser();
    const first = await signInAtProvider(browser, url, '/first');
    const second = await signInAtProvider(browser, url, '/second');
    expect((await browser.get(first, 'application/json')).body).toEqual({ next: 'done', redirect: '/first' });
    expect((await browser.get(second, 'application/json')).body).toEqual({
      next: 'done',
      redirect: '/second',
    });
  });

  it('shows no OpenID Connect button and no routes where logins.oidc is not configured', async () => {
    const { url } = await oidcGateway();
    const page = await new Browser().get(`${url}${BASE}/login`);
    expect(page.text).toContain('Sign in with your identity provider');

    const without = await flowGateway();
    const { url: plain } = await without.listen();
    expect((await new Browser().get(`${plain}${BASE}/login`)).text).not.toContain('/oidc/login');
    expect((await new Browser().get(`${plain}${BASE}/oidc/login`, 'application/json')).status).toBe(404);
    expect((await new Browser().get(`${plain}${BASE}/oidc/callback`, 'application/json')).status).toBe(404);
  });
});

describe('OpenID Connect claims, mapped like SAML attributes', () => {
  it('reads the username, email, user type and groups from the claims the configuration names', async () => {
    const { idp, url } = await oidcGateway({
      oidc: {
        claims: { username: 'preferred_username', email: 'email', user_type: 'user_type', groups: 'groups' },
      },
      policy: {
        ...NO_PROMPT,
        permission_sets: {
          [EMAIL_OPTION]: {
            permissions: ['email_identity_confirmation'],
            groups: [ENGINEERING.toLowerCase()],
          },
        },
        rules: [
          {
            name: 'outside engineers',
            when: { login: 'oidc', user_type: 'external', permission_set: EMAIL_OPTION },
            then: 'deny',
          },
          { name: 'OpenID Connect federation', when: { login: 'oidc' }, then: 'skip' },
        ],
      },
    });
    idp.signInAs({
      sub: 'f81d4fae-7dec',
      preferred_username: 'Grace',
      email: 'grace@example.org',
      groups: ['Finance'],
    });
    const browser = new Browser();
    const app = await browser.follow(await signInAtProvider(browser, url, '/app'));
    expect(upstreamHeaders(app.body)['x-stepgate-user']).toBe('grace');

    // The group (matched ignoring case) grants the permission set, and the user type is read: denied.
    idp.signInAs({ sub: 'b52c', preferred_username: 'guest', user_type: 'External', groups: [ENGINEERING] });
    const guest = new Browser();
    const refused = await guest.get(await signInAtProvider(guest, url), 'application/json');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('access_denied');
  });

  it('takes one group sent unwrapped, and lets the policy confirm the members of a group', async () => {
    const { idp, url } = await oidcGateway({
      policy: {
        ...NO_PROMPT,
        rules: [
          {
            name: 'finance through OpenID Connect',
            when: { login: 'oidc', group: 'cn=finance' },
            then: 'confirm',
          },
          { name: 'OpenID Connect federation', when: { login: 'oidc' }, then: 'skip' },
        ],
      },
    });
    idp.signInAs({ sub: 'fin', email: 'fin@example.org', email_verified: true, groups: 'CN=Finance' });
    const finance = new Browser();
    const confirming = await finance.get(await signInAtProvider(finance, url), 'application/json');
    expect(confirming.body.next).toBe('confirm');

    idp.signInAs({ sub: 'eng', email: 'eng@example.org', groups: [ENGINEERING] });
    const engineer = new Browser();
    const done = await engineer.get(await signInAtProvider(engineer, url), 'application/json');
    expect(done.body.next).toBe('done');
  });

  it('uses no email address the provider says it has not verified', async () => {
    const { idp, url } = await oidcGateway();
    idp.signInAs({ sub: 'unverified', email: 'someone-else@example.org', email_verified: false });
    const browser = new Browser();
    const app = await browser.follow(await signInAtProvider(browser, url, '/app'));
    expect(app.status).toBe(200);
    expect(upstreamHeaders(app.body)['x-stepgate-user']).toBe('unverified');
    expect(upstreamHeaders(app.body)['x-stepgate-email']).toBeUndefined();
  });

  it('is prompted like anyone else under a policy that confirms OpenID Connect sign-ins', async () => {
    const { idp, url, gw } = await oidcGateway({
      policy: { version: 1, rules: [{ name: 'everyone', then: 'confirm' }] },
    });
    idp.signInAs({ sub: 'ada', email: 'ada@example.org', email_verified: true });
    const browser = new Browser();
    const res = await browser.get(await signInAtProvider(browser, url), 'application/json');
    expect(res.body).toMatchObject({ next: 'register_mobile' });
    expect(gw.outbox()).toEqual([]);
  });
});
