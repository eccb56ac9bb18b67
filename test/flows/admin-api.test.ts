/**
 * The help-desk API with a bearer token (SPEC §1.8, §1.9, §4 `/admin/v1`): each operation, and
 * its effect seen the way the user meets it — through sign-in and the challenge.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { formatUtc } from '../../gateway/i18n/time.js';
import {
  ALWAYS,
  BASE,
  BOB_MOBILE,
  EMAIL_OPTION,
  HOUR,
  MINUTE,
  NO_PROMPT,
  confirmBy,
  flowGateway,
  jsonAgent,
  messagesTo,
  offered,
  signIn,
  signOut,
  verify,
  type FlowGateway,
} from '../helpers/flow.js';

const ADMIN_TOKEN = 'admin-token-for-the-help-desk-flow-tests-000001';
const API = `${BASE}/admin/v1`;
const HOURS_MESSAGE = /1 to 24 whole hours/;

async function gateway(policy: unknown = NO_PROMPT): Promise<FlowGateway> {
  return flowGateway({
    policy,
    config: { admin: { api_tokens: [ADMIN_TOKEN] }, server: { trusted_proxies: ['127.0.0.1/32'] } },
  });
}

/** A client of the admin API holding the admin token. */
function api(gw: FlowGateway) {
  const auth = (test: request.Test) => test.set('Authorization', `Bearer ${ADMIN_TOKEN}`);
  return {
    get: (path: string) => auth(request(gw.app).get(`${API}${path}`)),
    post: (path: string, body: object) => auth(request(gw.app).post(`${API}${path}`)).send(body),
    put: (path: string) => auth(request(gw.app).put(`${API}${path}`)),
    delete: (path: string) => auth(request(gw.app).delete(`${API}${path}`)),
  };
}

async function issue(gw: FlowGateway, user: string, hours: unknown = 1) {
  return api(gw).post(`/users/${user}/temporary-code`, { hours });
}

/** Signs `user` in from `ip` (the gateway trusts loopback as a proxy) and returns the agent. */
async function signInFrom(gw: FlowGateway, user: string, ip: string) {
  return signIn(gw, user, jsonAgent(gw, { 'X-Forwarded-For': ip }));
}

describe('lost phone (SPEC §1.8)', () => {
  it('removes the mobile: the next challenge offers email instead of SMS', async () => {
    const gw = await gateway();
    const { agent } = await signIn(gw, 'bob');
    expect((await offered(agent)).map((m) => m.id)).toEqual(['sms']);

    const res = await api(gw).delete('/users/bob/mobile');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ removed: true });

    expect(await offered(agent)).toEqual([
      { id: 'email', destination: expect.stringMatching(/@example\.com$/) },
    ]);
    await confirmBy(gw, agent, 'email', 'bob@example.com');
    expect(messagesTo(gw, 'sms', BOB_MOBILE)).toEqual([]);
    const summary = await api(gw).get('/users/bob');
    expect(summary.body.mobile).toBeNull();
  });

  it('shows a user with their methods masked, and says when there is no such user', async () => {
    const gw = await gateway();
    const res = await api(gw).get('/users/BOB');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: 'bob', source: 'users_file', active: true, authenticator: false });
    expect(res.body.mobile).toMatch(/23$/);
    expect(JSON.stringify(res.body)).not.toContain('5550123');
    expect(res.headers['cache-control']).toBe('no-store');

    const unknown = await api(gw).get('/users/nobody');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: 'unknown_user', message: "There is no user named 'nobody'." });
  });
});

describe('temporary codes (SPEC §1.9)', () => {
  it('issues a code that works at /confirm/verify again and again until it expires', async () => {
    const gw = await gateway(ALWAYS);
    const issued = await issue(gw, 'alice', 2);
    expect(issued.status).toBe(201);
    expect(issued.body.code).toMatch(/^\d{8}$/);
    expect(issued.body.expires_at).toBe(new Date(gw.clock.now().getTime() + 2 * HOUR).toISOString());

    for (const _use of [1, 2]) {
      const { agent } = await signIn(gw, 'alice');
      expect((await offered(agent)).map((m) => m.id)).toContain('temporary_code');
      const res = await verify(agent, 'temporary_code', issued.body.code);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect((await agent.get('/app')).status).toBe(200);
      await signOut(agent);
    }

    gw.clock.advance(2 * HOUR);
    const { agent } = await signIn(gw, 'alice');
    expect((await offered(agent)).map((m) => m.id)).toEqual(['email']);
    expect((await verify(agent, 'temporary_code', issued.body.code)).status).toBe(400);
  });

  it('stops working at once when the help desk expires it', async () => {
    const gw = await gateway(ALWAYS);
    const { code } = (await issue(gw, 'alice')).body as { code: string };
    const expired = await api(gw).delete('/users/alice/temporary-code');
    expect(expired.body).toEqual({ expired: true });
    const { agent } = await signIn(gw, 'alice');
    expect((await verify(agent, 'temporary_code', code)).status).toBe(400);
    expect((await agent.get('/app')).status).toBe(401);
    expect((await api(gw).delete('/users/alice/temporary-code')).body).toEqual({ expired: false });
  });

  it('stops working at once when the user expires it in their settings', async () => {
    const gw = await gateway(ALWAYS);
    const { code } = (await issue(gw, 'alice')).body as { code: string };
    const first = await signIn(gw, 'alice');
    await confirmBy(gw, first.agent, 'email', 'alice@example.com');
    const res = await first.agent.post(`${BASE}/settings/temporary-code/expire`).send({});
    expect(res.body).toEqual({ expired: true });
    await signOut(first.agent);

    const { agent } = await signIn(gw, 'alice');
    expect((await verify(agent, 'temporary_code', code)).status).toBe(400);
    expect((await api(gw).get('/users/alice')).body.temporary_code_expires_at).toBeNull();
  });

  it.each([0, 25, 1.5, '3', -1, null])('refuses %j hours with the allowed range', async (hours) => {
    const gw = await gateway();
    const res = await issue(gw, 'alice', hours);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_hours');
    expect(res.body.message).toMatch(HOURS_MESSAGE);
    expect(messagesTo(gw, 'email', 'alice@example.com')).toEqual([]);
  });

  it('refuses a seventh code for a user within an hour, and allows one after', async () => {
    const gw = await gateway();
    for (let i = 0; i < 6; i++) {
      expect((await issue(gw, 'alice')).status).toBe(201);
      gw.clock.advance(MINUTE);
    }
    const seventh = await issue(gw, 'alice');
    expect(seventh.status).toBe(429);
    expect(seventh.body.error).toBe('rate_limited');
    expect((await issue(gw, 'bob')).status).toBe(201);
    gw.clock.advance(HOUR - 5 * MINUTE);
    expect((await issue(gw, 'alice')).status).toBe(201);
  });

  it('refuses unknown and inactive users, and tells no one', async () => {
    const gw = await gateway();
    const unknown = await issue(gw, 'nobody');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('unknown_user');
    const inactive = await issue(gw, 'gone');
    expect(inactive.status).toBe(409);
    expect(inactive.body).toEqual({
      error: 'inactive_user',
      message: "'gone' is not active: no code is issued.",
    });
    expect(gw.outbox()).toEqual([]);
  });

  it('keeps one code per user: a new one replaces the old', async () => {
    const gw = await gateway(ALWAYS);
    const old = (await issue(gw, 'alice')).body.code as string;
    const current = (await issue(gw, 'alice')).body.code as string;
    const { agent } = await signIn(gw, 'alice');
    const refused = await verify(agent, 'temporary_code', old);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_code');
    expect((await verify(agent, 'temporary_code', current)).status).toBe(200);
  });

  it('tells the user by email that a code was issued, without the code', async () => {
    const gw = await gateway();
    const issued = await issue(gw, 'alice', 3);
    const [notice, ...more] = messagesTo(gw, 'email', 'alice@example.com');
    expect(more).toEqual([]);
    expect(notice?.subject).toBe('A temporary verification code was issued for you');
    // The time in words a person reads, to the minute, in UTC (the JSON keeps the ISO instant).
    const expires = new Date(issued.body.expires_at);
    expect(notice?.body).toContain(formatUtc(expires));
    expect(notice?.body).not.toContain(issued.body.code);
  });
});

describe('permission sets', () => {
  it('assigning the email option offers email beside SMS at the next challenge, without a restart', async () => {
    const gw = await gateway();
    const { agent } = await signIn(gw, 'bob');
    expect((await offered(agent)).map((m) => m.id)).toEqual(['sms']);

    const set = encodeURIComponent(EMAIL_OPTION.toLowerCase());
    const assigned = await api(gw).put(`/users/bob/permission-sets/${set}`);
    expect(assigned.status).toBe(200);
    expect(assigned.body).toEqual({ assigned: [EMAIL_OPTION] });
    expect((await offered(agent)).map((m) => m.id)).toEqual(['sms', 'email']);

    const listed = await api(gw).get('/users/bob/permission-sets');
    expect(listed.body).toEqual({
      from_source: [],
      assigned: [
        {
          permission_set: EMAIL_OPTION,
          assigned_at: gw.clock.now().toISOString(),
          assigned_by: 'token:token-1',
        },
      ],
      known: [EMAIL_OPTION],
    });

    const removed = await api(gw).delete(`/users/bob/permission-sets/${set}`);
    expect(removed.body).toEqual({ removed: true });
    expect((await offered(agent)).map((m) => m.id)).toEqual(['sms']);
  });

  it('refuses a permission set the policy does not define, naming the known ones', async () => {
    const gw = await gateway();
    const res = await api(gw).put('/users/bob/permission-sets/Superpowers');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unknown_permission_set');
    expect(res.body.message).toContain(EMAIL_OPTION);
  });
});

describe('activations (remembered networks)', () => {
  it('lists them, and a revoked network is challenged again while the others are not', async () => {
    const gw = await gateway();
    for (const ip of ['203.0.113.7', '198.51.100.4']) {
      const { agent } = await signInFrom(gw, 'alice', ip);
      await confirmBy(gw, agent, 'email', 'alice@example.com');
      await signOut(agent);
      gw.clock.advance(MINUTE);
    }
    const listed = await api(gw).get('/users/alice/activations');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([
      {
        network: '198.51.100.4/32',
        first_used_at: '2026-01-15T09:01:00.000Z',
        last_used_at: '2026-01-15T09:01:00.000Z',
        method: 'email',
      },
      expect.objectContaining({ network: '203.0.113.7/32', first_used_at: '2026-01-15T09:00:00.000Z' }),
    ]);
    expect(Object.keys(listed.body[0]).sort()).toEqual([
      'first_used_at',
      'last_used_at',
      'method',
      'network',
    ]);

    const one = await api(gw).delete(`/users/alice/activations/${encodeURIComponent('203.0.113.7/32')}`);
    expect(one.body).toEqual({ revoked: 1 });
    expect((await signInFrom(gw, 'alice', '203.0.113.7')).next).toBe('confirm');
    expect((await signInFrom(gw, 'alice', '198.51.100.4')).next).toBe('done');

    const missing = await api(gw).delete(`/users/alice/activations/${encodeURIComponent('192.0.2.1/32')}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('unknown_network');

    const all = await api(gw).delete('/users/alice/activations');
    expect(all.body).toEqual({ revoked: 1 });
    expect((await signInFrom(gw, 'alice', '198.51.100.4')).next).toBe('confirm');
    expect((await api(gw).get('/users/alice/activations')).body).toEqual([]);
  });

  it('revokes a network named by an address in it', async () => {
    const gw = await gateway();
    const { agent } = await signInFrom(gw, 'alice', '2001:db8:1:2::7');
    await confirmBy(gw, agent, 'email', 'alice@example.com');
    const res = await api(gw).delete(`/users/alice/activations/${encodeURIComponent('2001:db8:1:2::99')}`);
    expect(res.body).toEqual({ revoked: 1 });
  });
});
