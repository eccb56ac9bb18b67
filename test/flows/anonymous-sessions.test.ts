/**
 * A session is stored only once there is something to keep (a sign-in): anonymous page loads,
 * however many, store nothing, so they cannot evict signed-in users from the bounded memory
 * store. Sign-in forms are still protected against CSRF, by a token bound to a cookie of the
 * visitor's own rather than to a stored session. (Redis: redis-fleet.test.ts.)
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { BoundedMemorySessionStore } from '../../adapters/memory/session-store.js';
import type { Ports } from '../../gateway/ports.js';
import { BASE, csrfTokenOf, flowGateway, sessionCookie, submitForm } from '../helpers/flow.js';
import { TEST_PASSWORD } from '../helpers/gateway.js';

const SKIP_ALL = { version: 1, rules: [{ name: 'let everyone through', then: 'skip' }] };
const CSRF_REFUSED = 'This form has expired or did not come from this site.';

function storedSessions(store: Ports['sessions']): Promise<number> {
  return new Promise((resolve, reject) =>
    store.length?.((error: unknown, length?: number) => (error ? reject(error) : resolve(length ?? 0))),
  );
}

/** What an anonymous visitor (no cookies) can load: pages, their JSON twins, refusals, redirects. */
const ANONYMOUS_LOADS: [string, Record<string, string>][] = [
  [`${BASE}/login`, { Accept: 'text/html' }],
  [`${BASE}/login?return_to=%2Freports`, { Accept: 'text/html' }],
  [`${BASE}/login`, { Accept: 'application/json' }],
  [`${BASE}/confirm`, { Accept: 'text/html' }],
  [`${BASE}/mobile`, { Accept: 'application/json' }],
  [`${BASE}/settings`, { Accept: 'text/html' }],
  [`${BASE}/admin`, { Accept: 'text/html' }],
  [`${BASE}/no-such-page`, { Accept: 'text/html' }],
  ['/reports', { Accept: 'text/html' }],
  ['/api/data', { Accept: 'application/json' }],
];

describe('anonymous visitors store no session', () => {
  it('keeps a signed-in user through 2000 anonymous page loads on a store that holds 20', async () => {
    const sessions = new BoundedMemorySessionStore({ max: 20, defaultTtlMs: 30 * 60_000 });
    const gw = await flowGateway({ policy: SKIP_ALL, sessions });
    const alice = request.agent(gw.app);
    expect(
      (await alice.post(`${BASE}/login`).send({ username: 'alice', password: TEST_PASSWORD })).status,
    ).toBe(200);
    expect(await storedSessions(sessions)).toBe(1);

    const { url } = await gw.listen();
    for (let batch = 0; batch < 40; batch += 1) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const [path, headers] = ANONYMOUS_LOADS[(batch * 50 + i) % ANONYMOUS_LOADS.length] ?? ['/', {}];
          return { path, res: await request(url).get(path).set(headers) };
        }),
      );
      for (const { path, res } of answers) expect(sessionCookie(res), path).toBeUndefined();
    }
    expect(await storedSessions(sessions)).toBe(1);
    const still = await alice.get('/reports');
    expect(still.status).toBe(200);
    expect(gw.upstream.received.at(-1)?.headers['x-stepgate-user']).toBe('alice');
  });

  it('stores nothing for a refused sign-in either', async () => {
    const sessions = new BoundedMemorySessionStore({ max: 20, defaultTtlMs: 30 * 60_000 });
    const gw = await flowGateway({ policy: SKIP_ALL, sessions });
    const refused = await submitForm(request.agent(gw.app), `${BASE}/login`, `${BASE}/login`, {
      username: 'alice',
      password: 'wrong',
    });
    expect(refused.status).toBe(401);
    expect(sessionCookie(refused)).toBeUndefined();
    expect(await storedSessions(sessions)).toBe(0);
  });
});

describe('CSRF on the sign-in form without a stored session', () => {
  it('gives the visitor a cookie of its own: HttpOnly, SameSite=Lax, for base_path only', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const page = await request(gw.app).get(`${BASE}/login`);
    const cookie = ([] as string[])
      .concat(page.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('stepgate_session_csrf='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; Path=\/_stepgate(;|$)/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
  });

  it('signs in with the token of the page and the cookie that came with it', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const res = await submitForm(request.agent(gw.app), `${BASE}/login`, `${BASE}/login`, {
      username: 'alice',
      password: TEST_PASSWORD,
    });
    expect(res.status).toBe(303);
    expect(sessionCookie(res)).toBeDefined();
  });

  it('refuses a form post without a token, with a token but no cookie, and with another visitor’s token', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const victim = request.agent(gw.app);
    await victim.get(`${BASE}/login`);
    const attacker = request.agent(gw.app);
    const attackerPage = await attacker.get(`${BASE}/login`);
    const attackerToken = csrfTokenOf(attackerPage.text);

    const attempts = [
      victim.post(`${BASE}/login`).type('form').send({ username: 'alice', password: TEST_PASSWORD }),
      request(gw.app)
        .post(`${BASE}/login`)
        .type('form')
        .send({ username: 'alice', password: TEST_PASSWORD, _csrf: attackerToken }),
      victim
        .post(`${BASE}/login`)
        .type('form')
        .send({ username: 'alice', password: TEST_PASSWORD, _csrf: attackerToken }),
      victim
        .post(`${BASE}/login`)
        .type('form')
        .send({ username: 'alice', password: TEST_PASSWORD, _csrf: `${attackerToken.slice(0, -2)}AA` }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(403);
      expect(res.text).toContain(CSRF_REFUSED);
      expect(sessionCookie(res)).toBeUndefined();
    }
  });

  it('binds the forms of a signed-in session to that session: a visitor token no longer counts', async () => {
    const gw = await flowGateway({ policy: SKIP_ALL });
    const browser = request.agent(gw.app);
    const login = await browser.get(`${BASE}/login`);
    const visitorToken = csrfTokenOf(login.text);
    await browser
      .post(`${BASE}/login`)
      .type('form')
      .send({ username: 'alice', password: TEST_PASSWORD, _csrf: visitorToken });
    const refused = await browser.post(`${BASE}/logout`).type('form').send({ _csrf: visitorToken });
    expect(refused.status).toBe(403);
    const settings = await browser.get(`${BASE}/settings`);
    const out = await browser
      .post(`${BASE}/logout`)
      .type('form')
      .send({ _csrf: csrfTokenOf(settings.text) });
    expect(out.status).toBe(200);

    // That session's token is worth nothing to another session.
    const other = request.agent(gw.app);
    await other.post(`${BASE}/login`).send({ username: 'eve', password: TEST_PASSWORD });
    const stolen = await other
      .post(`${BASE}/logout`)
      .type('form')
      .send({ _csrf: csrfTokenOf(settings.text) });
    expect(stolen.status).toBe(403);
  });
});
