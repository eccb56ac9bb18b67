/**
 * What forward-auth needs from the sign-in itself: `return_to` may name an application on a host in
 * `server.allowed_return_hosts` (exact names, `*.example.com` for the names below), judged on the
 * string that is sent back, in the JSON `redirect` and the browser's 303 alike, and the pages'
 * form-action lets that redirect happen; `session.cookie_domain` puts the session and CSRF cookies
 * on a parent domain, and signing out clears them there.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  BASE,
  NO_PROMPT,
  TEST_SESSION_SECRET,
  confirmBy,
  flowGateway,
  jsonAgent,
  signIn,
  submitForm,
} from '../helpers/flow.js';
import { TEST_PASSWORD } from '../helpers/gateway.js';

const SKIP_ALL = { version: 1, rules: [{ name: 'let everyone through', then: 'skip' }] };
const ALLOWED = ['app.example.com', '*.apps.example.com'];

async function gateway(policy: unknown = SKIP_ALL) {
  return flowGateway({
    policy,
    config: { server: { public_url: 'http://localhost:8080', allowed_return_hosts: ALLOWED } },
  });
}

describe('return_to on an allowed host', () => {
  it.each([
    ['http://app.example.com/reports?q=1', 'http://app.example.com/reports?q=1'],
    ['https://app.example.com:8443/x#top', 'https://app.example.com:8443/x#top'],
    ['https://team.apps.example.com/x', 'https://team.apps.example.com/x'],
    ['https://a.b.apps.example.com/', 'https://a.b.apps.example.com/'],
    ['HTTPS://APP.EXAMPLE.COM/a/../b', 'https://app.example.com/b'],
  ])('sends a sign-in to %j as %j', async (returnTo, sent) => {
    const gw = await gateway();
    const res = await jsonAgent(gw)
      .post(`${BASE}/login`)
      .send({ username: 'alice', password: TEST_PASSWORD, return_to: returnTo });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ next: 'done', redirect: sent });
  });

  it.each([
    'https://apps.example.com/x', // a wildcard covers the names below, not the domain itself
    'https://evil.example/x',
    'https://app.example.com.evil.example/x',
    'https://evil-app.example.com/x',
    'https://app.example.com@evil.example/x',
    'https://user:pass@app.example.com/x',
    'ftp://app.example.com/x',
    'javascript://app.example.com/%0aalert(1)',
    'https://app.example.com\\@evil.example',
  ])('falls back to the default page for %j', async (returnTo) => {
    const gw = await gateway();
    const res = await jsonAgent(gw)
      .post(`${BASE}/login`)
      .send({ username: 'alice', password: TEST_PASSWORD, return_to: returnTo });
    expect(res.body.redirect).toBe('/');
  });

  it('never lets an https gateway send anyone back over plain http', async () => {
    const gw = await flowGateway({
      policy: SKIP_ALL,
      config: { server: { public_url: 'https://auth.example.com', allowed_return_hosts: ALLOWED } },
    });
    const agent = jsonAgent(gw, { 'X-Forwarded-Proto': 'https' });
    const plain = await agent
      .post(`${BASE}/login`)
      .send({ username: 'alice', password: TEST_PASSWORD, return_to: 'http://app.example.com/x' });
    expect(plain.body.redirect).toBe('/');
  });

  it('takes a browser there after the sign-in form and after the confirmation, and lets the form go there', async () => {
    const gw = await gateway(NO_PROMPT);
    const browser = request.agent(gw.app);
    const target = 'https://team.apps.example.com/reports?q=1';
    const page = await browser
      .get(`${BASE}/login?return_to=${encodeURIComponent(target)}`)
      .set('Accept', 'text/html');
    expect(page.text).toContain(`name="return_to" value="${target}"`);
    expect(page.headers['content-security-policy']).toContain(
      "form-action 'self' app.example.com:* *.apps.example.com:*;",
    );
    const signedIn = await submitForm(
      browser,
      `${BASE}/login?return_to=${encodeURIComponent(target)}`,
      `${BASE}/login`,
      {
        username: 'alice',
        password: TEST_PASSWORD,
        return_to: target, // the page's hidden field
      },
    );
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe(`${BASE}/confirm`);
    const confirmed = await confirmBy(
      gw,
      browser.set('Accept', 'application/json'),
      'email',
      'alice@example.com',
    );
    expect(confirmed.body.redirect).toBe(target);
    // Signed in, the sign-in page sends the browser straight on.
    const again = await browser
      .get(`${BASE}/login?return_to=${encodeURIComponent(target)}`)
      .set('Accept', 'text/html');
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(target);
  });

  it('keeps form-action to our own origin when no host is allowed', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const page = await request(gw.app).get(`${BASE}/login`).set('Accept', 'text/html');
    expect(page.headers['content-security-policy']).toContain("form-action 'self';");
  });
});

describe('session.cookie_domain', () => {
  async function parentDomainGateway(cookieDomain: string) {
    return flowGateway({
      policy: SKIP_ALL,
      config: {
        server: { public_url: 'https://auth.example.com' },
        session: { secret: TEST_SESSION_SECRET, cookie_domain: cookieDomain },
      },
    });
  }

  it('sets the session and CSRF cookies for that domain, and clears them there', async () => {
    const gw = await parentDomainGateway('example.com');
    const browser = request.agent(gw.app).set('X-Forwarded-Proto', 'https');
    const page = await browser.get(`${BASE}/login`).set('Accept', 'text/html');
    const csrf = ([] as string[]).concat(page.headers['set-cookie'] ?? []);
    expect(csrf.find((c) => c.startsWith('stepgate_session_csrf='))).toMatch(/; Domain=example\.com;/);
    const agent = jsonAgent(gw, { 'X-Forwarded-Proto': 'https' });
    const res = await agent.post(`${BASE}/login`).send({ username: 'alice', password: TEST_PASSWORD });
    const session = ([] as string[])
      .concat(res.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('stepgate_session='));
    expect(session).toMatch(/; Domain=example\.com;/);
    expect(session).toMatch(/; Secure/);
    const out = await agent.post(`${BASE}/logout`).send({});
    const cleared = ([] as string[])
      .concat(out.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('stepgate_session='));
    expect(cleared).toMatch(/; Domain=example\.com;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
  });

  it('keeps the cookies on the host alone by default', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const { cookie } = await signIn(gw, 'alice');
    expect(cookie).toBeDefined();
    const res = await jsonAgent(gw)
      .post(`${BASE}/login`)
      .send({ username: 'alice', password: TEST_PASSWORD });
    for (const line of ([] as string[]).concat(res.headers['set-cookie'] ?? []))
      expect(line).not.toMatch(/Domain=/i);
  });
});
