/**
 * Entry points (SPEC §1.7): the entry point is read from the Host header, which any client sets,
 * so it never exempts anyone on its own; an entry point may admit only some user types.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { BASE, csrfTokenOf, flowGateway, jsonAgent } from '../helpers/flow.js';
import { TEST_PASSWORD } from '../helpers/gateway.js';

const PORTAL_HOST = 'portal.localhost:8080';
const portalOnly = { portal: { hosts: ['portal.localhost'], user_types: ['portal' as const] } };

function signInAt(gw: Awaited<ReturnType<typeof flowGateway>>, host: string, username: string) {
  return jsonAgent(gw, { Host: host }).post(`${BASE}/login`).send({ username, password: TEST_PASSWORD });
}

describe('the default policy at the portal entry point', () => {
  it('prompts a standard or external user who names the portal host: the host alone exempts nobody', async () => {
    const gw = await flowGateway({
      config: { server: { entry_points: { portal: { hosts: ['portal.localhost'] } } } },
    });
    for (const username of ['alice', 'eve']) {
      const res = await signInAt(gw, PORTAL_HOST, username);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.next).toBe('register_mobile');
    }
    expect((await signInAt(gw, PORTAL_HOST, 'pat')).body.next).toBe('done');
  });
});

describe('server.entry_points.<name>.user_types', () => {
  it('refuses other user types at that entry point with 403, and admits the listed ones', async () => {
    const gw = await flowGateway({ config: { server: { entry_points: portalOnly } } });
    for (const username of ['alice', 'eve']) {
      const res = await signInAt(gw, PORTAL_HOST, username);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({
        error: 'access_denied',
        message: 'Your organisation does not allow you to sign in here.',
      });
    }
    expect((await signInAt(gw, PORTAL_HOST, 'pat')).body.next).toBe('done');
    // Elsewhere the same people sign in as before.
    expect((await signInAt(gw, 'localhost:8080', 'alice')).status).toBe(200);
  });

  it('signs nobody in when it refuses, and shows a browser the sign-in form with the reason', async () => {
    const gw = await flowGateway({ config: { server: { entry_points: portalOnly } } });
    const browser = request.agent(gw.app).set('Host', PORTAL_HOST);
    const form = await browser.get(`${BASE}/login`);
    const res = await browser
      .post(`${BASE}/login`)
      .type('form')
      .send({ username: 'alice', password: TEST_PASSWORD, _csrf: csrfTokenOf(form.text) });
    expect(res.status).toBe(403);
    expect(res.text).toContain('Your organisation does not allow you to sign in here.');
    expect((await browser.get('/app')).status).toBe(302);
    expect(gw.upstream.received).toHaveLength(0);
  });
});
