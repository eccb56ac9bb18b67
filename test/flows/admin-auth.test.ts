/**
 * Who may use the help-desk API (SPEC §4): an API token with the scope `admin`, or a confirmed
 * session holding `manage_identity_confirmation`. Everyone else is refused, and says why.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  BASE,
  FLOW_USERS,
  NO_PROMPT,
  confirmBy,
  csrfTokenOf,
  directUser,
  flowGateway,
  signIn,
  type FlowGateway,
} from '../helpers/flow.js';

const ADMIN_TOKEN = 'admin-token-for-the-access-flow-tests-000000001';
const SIDECAR_TOKEN = 'sidecar-token-for-the-access-flow-tests-0000001';
const API = `${BASE}/admin/v1`;
const TOOLS = 'Help Desk Tools';

async function gateway(): Promise<FlowGateway> {
  return flowGateway({
    users: {
      ...FLOW_USERS,
      helen: directUser({ email: 'helen@example.com', profile: 'Help Desk' }),
    },
    policy: {
      ...NO_PROMPT,
      permission_sets: { [TOOLS]: { permissions: ['manage_identity_confirmation'] } },
    },
    config: {
      admin: {
        api_tokens: [ADMIN_TOKEN, { name: 'keycloak', token: SIDECAR_TOKEN, scopes: ['sidecar'] }],
      },
    },
  });
}

function withToken(token: string, test: request.Test): request.Test {
  return test.set('Authorization', `Bearer ${token}`);
}

/** Signs `user` in and confirms the session by email; the agent holds the confirmed session. */
async function confirmedSession(gw: FlowGateway, user: string) {
  const { agent } = await signIn(gw, user);
  await confirmBy(gw, agent, 'email', `${user}@example.com`);
  return agent;
}

describe('admin API access', () => {
  it('refuses a request with no credentials', async () => {
    const gw = await gateway();
    const res = await request(gw.app).get(`${API}/users/alice`);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('unauthorized');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  it.each([
    ['a wrong token', 'Bearer not-the-admin-token-but-just-as-long-as-it-0001'],
    ['a token with a trailing character', `Bearer ${ADMIN_TOKEN}x`],
    ['another scheme', `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`],
  ])('refuses %s with 401', async (_what, header) => {
    const gw = await gateway();
    const res = await request(gw.app).get(`${API}/users/alice`).set('Authorization', header);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'unauthorized', message: 'That API token is not valid.' });
  });

  it('refuses a token without the admin scope with 403', async () => {
    const gw = await gateway();
    const res = await withToken(SIDECAR_TOKEN, request(gw.app).get(`${API}/users/alice`));
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('insufficient_scope');
    const change = await withToken(SIDECAR_TOKEN, request(gw.app).delete(`${API}/users/bob/mobile`));
    expect(change.status).toBe(403);
    expect(
      (await withToken(ADMIN_TOKEN, request(gw.app).get(`${API}/users/bob`))).body.mobile,
    ).not.toBeNull();
  });

  it('allows the admin token, and answers JSON whatever the client accepts', async () => {
    const gw = await gateway();
    const res = await withToken(ADMIN_TOKEN, request(gw.app).get(`${API}/users/nobody`)).set(
      'Accept',
      'text/html',
    );
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('unknown_user');
    expect((await withToken(ADMIN_TOKEN, request(gw.app).get(`${API}/users/alice`))).status).toBe(200);
  });

  it('refuses a confirmed user without the permission', async () => {
    const gw = await gateway();
    const agent = await confirmedSession(gw, 'alice');
    const res = await agent.get(`${API}/users/bob`);
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('forbidden');
    expect(res.body.message).toContain('manage_identity_confirmation');
  });

  it('refuses a help desk whose own session is not yet confirmed, then allows it once confirmed', async () => {
    const gw = await gateway();
    const { agent, next } = await signIn(gw, 'helen');
    expect(next).toBe('confirm');
    const refused = await agent.get(`${API}/users/bob`);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('confirmation_required');
    expect(refused.body.message).toMatch(/confirm your identity/i);

    await confirmBy(gw, agent, 'email', 'helen@example.com');
    const allowed = await agent.get(`${API}/users/bob`);
    expect(allowed.status).toBe(200);
    expect(allowed.body.user).toBe('bob');
  });

  it('lets a confirmed help desk act, recorded under their own name', async () => {
    const gw = await gateway();
    const agent = await confirmedSession(gw, 'helen');
    const res = await agent.delete(`${API}/users/bob/mobile`).send({});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ removed: true });
    const history = await agent.get(`${API}/history?user=bob`);
    expect(history.body.entries[0].detail).toMatch(/ — by helen via api$/);
  });

  it('counts a permission set assigned in the store, as the challenge does', async () => {
    const gw = await gateway();
    const agent = await confirmedSession(gw, 'alice');
    expect((await agent.get(`${API}/users/bob`)).status).toBe(403);
    const assigned = await withToken(
      ADMIN_TOKEN,
      request(gw.app).put(`${API}/users/alice/permission-sets/${encodeURIComponent(TOOLS)}`),
    );
    expect(assigned.status).toBe(200);
    expect((await agent.get(`${API}/users/bob`)).status).toBe(200);
  });

  it('judges a request that carries a token by the token alone, not by its session', async () => {
    const gw = await gateway();
    const agent = await confirmedSession(gw, 'helen');
    const res = await agent.get(`${API}/users/bob`).set('Authorization', `Bearer ${SIDECAR_TOKEN}`);
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('insufficient_scope');
  });
});

describe('CSRF and the admin API', () => {
  it('refuses a help desk session form post without a CSRF token', async () => {
    const gw = await gateway();
    const agent = await confirmedSession(gw, 'helen');
    const res = await agent.post(`${API}/users/bob/temporary-code`).type('form').send({ hours: '2' });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('invalid_csrf_token');
    expect(gw.outbox().filter((m) => m.to === 'bob@example.com')).toEqual([]);
  });

  it('needs no CSRF token for a bearer token on the API, but still does elsewhere', async () => {
    const gw = await gateway();
    const viaToken = await withToken(ADMIN_TOKEN, request(gw.app).post(`${API}/users/bob/temporary-code`))
      .type('form')
      .send({ hours: '2' });
    // The form body was not read as JSON, so hours is the text '2' and refused; CSRF did not stop it.
    expect(viaToken.status).toBe(400);
    expect(viaToken.body.error).toBe('invalid_hours');

    const browser = request.agent(gw.app);
    const page = await browser.get(`${BASE}/login`);
    await browser
      .post(`${BASE}/login`)
      .type('form')
      .send({ username: 'alice', password: 'correct horse', _csrf: csrfTokenOf(page.text) });
    const logout = await browser
      .post(`${BASE}/logout`)
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .type('form')
      .send({});
    expect(logout.status).toBe(403);
  });
});
