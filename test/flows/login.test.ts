import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, startGateway, type TestGateway } from '../helpers/gateway.js';
import { startEchoUpstream, type EchoUpstream } from '../helpers/upstream.js';

const SKIP_ALL = { version: 1, rules: [{ name: 'let everyone through', then: 'skip' }] };

function sessionCookie(res: request.Response): string | undefined {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return cookies.find((c) => c.startsWith('stepgate_session='));
}

function csrfTokenOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF field on the page');
  return match[1];
}

describe('direct sign-in', () => {
  let upstream: EchoUpstream;
  let gw: TestGateway;

  beforeEach(async () => {
    upstream = await startEchoUpstream();
    gw = await startGateway({ upstreamUrl: upstream.url, policy: SKIP_ALL });
  });
  afterEach(async () => {
    await gw.close();
    await upstream.close();
  });

  it('signs in with the right password and says what comes next', async () => {
    const res = await request(gw.app)
      .post('/_stepgate/login')
      .set('Accept', 'application/json')
      .send({ username: 'alice', password: TEST_PASSWORD, return_to: '/reports?q=1' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ next: 'done', redirect: '/reports?q=1' });
  });

  it('gives the same answer for a wrong password, an unknown user and an inactive user', async () => {
    const answers = await Promise.all(
      [
        { username: 'alice', password: 'wrong' },
        { username: 'nobody', password: TEST_PASSWORD },
        { username: 'gone', password: TEST_PASSWORD },
      ].map((body) => request(gw.app).post('/_stepgate/login').set('Accept', 'application/json').send(body)),
    );
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        error: 'invalid_credentials',
        message: 'The username or password is incorrect.',
      });
      expect(sessionCookie(res)).toBeUndefined();
    }
  });

  it('matches the username without regard to case', async () => {
    const res = await request(gw.app)
      .post('/_stepgate/login')
      .send({ username: 'ALICE', password: TEST_PASSWORD });
    expect(res.status).toBe(200);
  });

  it('names the missing field when the request is incomplete', async () => {
    const res = await request(gw.app).post('/_stepgate/login').send({ username: 'alice' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', message: 'Enter your username and password.' });
  });

  it('stores no session for the sign-in page, and gives a fresh id at every sign-in', async () => {
    const agent = request.agent(gw.app);
    const page = await agent.get('/_stepgate/login');
    expect(sessionCookie(page)).toBeUndefined();
    const res = await agent
      .post('/_stepgate/login')
      .type('form')
      .send({ username: 'alice', password: TEST_PASSWORD, _csrf: csrfTokenOf(page.text) });
    expect(res.status).toBe(303);
    const before = sessionCookie(res);
    expect(before).toBeDefined();
    // Signing in over a session the client brings (a planted id) never keeps that id.
    const again = await agent
      .post('/_stepgate/login')
      .set('Accept', 'application/json')
      .send({ username: 'alice', password: TEST_PASSWORD });
    const after = sessionCookie(again);
    expect(after).toBeDefined();
    expect(after?.split(';')[0]).not.toBe(before?.split(';')[0]);
  });

  it('sets the cookie HttpOnly and SameSite=Lax, without Secure on localhost', async () => {
    const res = await request(gw.app)
      .post('/_stepgate/login')
      .send({ username: 'alice', password: TEST_PASSWORD });
    const cookie = sessionCookie(res) ?? '';
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).not.toMatch(/; Secure/);
    expect(cookie).toMatch(/; Expires=/);
  });

  it('refuses a form post without the CSRF token of its page', async () => {
    const agent = request.agent(gw.app);
    await agent.get('/_stepgate/login');
    const res = await agent
      .post('/_stepgate/login')
      .type('form')
      .send({ username: 'alice', password: TEST_PASSWORD });
    expect(res.status).toBe(403);
    expect(res.text).toContain('This form has expired or did not come from this site.');
    expect((await agent.get('/app')).status).toBe(302);
  });

  it('never reads a body of another type as JSON', async () => {
    const res = await request(gw.app)
      .post('/_stepgate/login')
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify({ username: 'alice', password: TEST_PASSWORD }));
    expect(res.status).toBe(403);
  });

  it('shows the form again with the error for a browser', async () => {
    const agent = request.agent(gw.app);
    const page = await agent.get('/_stepgate/login?return_to=%2Fdocs');
    expect(page.text).toContain('value="/docs"');
    const res = await agent
      .post('/_stepgate/login')
      .type('form')
      .send({ username: 'alice', password: 'nope', return_to: '/docs', _csrf: csrfTokenOf(page.text) });
    expect(res.status).toBe(401);
    expect(res.text).toContain('The username or password is incorrect.');
    expect(res.text).toContain('value="alice"');
  });

  it.each([
    'https://evil.example',
    '//evil.example/x',
    '/\\evil.example',
    'javascript:alert(1)',
    'http://localhost:8080@evil.example/',
  ])('never redirects off-site for return_to=%s', async (returnTo) => {
    const agent = request.agent(gw.app);
    const page = await agent.get('/_stepgate/login');
    const res = await agent
      .post('/_stepgate/login')
      .type('form')
      .send({
        username: 'alice',
        password: TEST_PASSWORD,
        return_to: returnTo,
        _csrf: csrfTokenOf(page.text),
      });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });

  it('signs out: the session is forwarded no more', async () => {
    const agent = request.agent(gw.app);
    await agent.post('/_stepgate/login').send({ username: 'alice', password: TEST_PASSWORD });
    expect((await agent.get('/app')).status).toBe(200);
    const out = await agent.post('/_stepgate/logout').set('Accept', 'application/json').send({});
    expect(out.body).toEqual({ signed_out: true });
    const after = await agent.get('/app');
    expect(after.status).toBe(302);
  });

  it('ends a session after the absolute timeout however busy it is', async () => {
    const agent = request.agent(gw.app);
    await agent.post('/_stepgate/login').send({ username: 'alice', password: TEST_PASSWORD });
    gw.clock.advance(11 * 3600_000);
    expect((await agent.get('/app')).status).toBe(200);
    gw.clock.advance(3600_000 + 1);
    const res = await agent.get('/app').set('Accept', 'application/json');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('sign_in_required');
  });
});

describe('sign-in policy outcomes', () => {
  let upstream: EchoUpstream;
  beforeEach(async () => {
    upstream = await startEchoUpstream();
  });
  afterEach(async () => upstream.close());

  it('refuses a sign-in the policy denies, and signs nobody in', async () => {
    const gw = await startGateway({
      upstreamUrl: upstream.url,
      policy: {
        version: 1,
        rules: [
          { name: 'no externals', when: { user_type: 'external' }, then: 'deny' },
          { name: 'rest', then: 'skip' },
        ],
      },
    });
    const agent = request.agent(gw.app);
    const res = await agent.post('/_stepgate/login').send({ username: 'eve', password: TEST_PASSWORD });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('access_denied');
    expect((await agent.get('/app').set('Accept', 'application/json')).status).toBe(401);
    await gw.close();
  });

  it('leaves a `confirm` sign-in from a new network signed in but not confirmed: nothing is forwarded', async () => {
    const gw = await startGateway({
      upstreamUrl: upstream.url,
      policy: { version: 1, mobile_registration: { prompt: false } },
    });
    const agent = request.agent(gw.app);
    const res = await agent.post('/_stepgate/login').send({ username: 'alice', password: TEST_PASSWORD });
    expect(res.body).toEqual({ next: 'confirm', redirect: '/_stepgate/confirm' });
    const api = await agent.get('/app').set('Accept', 'application/json');
    expect(api.status).toBe(401);
    expect(api.body.error).toBe('confirmation_required');
    const browser = await agent.get('/app');
    expect(browser.status).toBe(302);
    expect(browser.headers.location).toBe('/_stepgate/confirm?return_to=%2Fapp');
    expect(upstream.received).toHaveLength(0);
    await gw.close();
  });

  it('marks the cookie Secure when stepgate is served outside localhost', async () => {
    const gw = await startGateway({
      upstreamUrl: upstream.url,
      policy: SKIP_ALL,
      config: { server: { public_url: 'https://gateway.example.org' } },
    });
    const res = await request(gw.app)
      .post('/_stepgate/login')
      .set('X-Forwarded-Proto', 'https')
      .send({ username: 'alice', password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    expect(sessionCookie(res)).toMatch(/; Secure/);
    await gw.close();
  });
});
