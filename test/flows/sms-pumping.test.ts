/**
 * The SMS-pumping guard (docs/sms-pumping.md): budgets per source network, per destination
 * country and for the fleet, and premium-rate and unassigned numbers never texted; each refusal
 * offers the methods still open, is `RateLimited` in the history with the guard's reason, and is
 * counted in /metrics by reason. Through the real flow, reading the outbox. The fleet-wide budget
 * across instances sharing Redis is in sms-pumping-redis.test.ts.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { StoredHistoryEntry } from '../../gateway/ports.js';
import {
  BASE,
  EMAIL_OPTION,
  HOUR,
  NEW_MOBILE,
  RATE_LIMITED,
  directUser,
  FLOW_USERS,
  flowGateway,
  jsonAgent,
  send,
  signIn,
  type FlowGateway,
} from '../helpers/flow.js';

const TRUST_LOOPBACK = { server: { trusted_proxies: ['127.0.0.1/32'] } };

/** People with mobiles in the US and GB; `emily` also holds the email option. */
const USERS = {
  ...FLOW_USERS,
  us1: directUser({ email: 'us1@example.com', mobile: '+14155550100' }),
  us2: directUser({ email: 'us2@example.com', mobile: '+14155550102' }),
  us3: directUser({ email: 'us3@example.com', mobile: '+14155550188' }),
  gb1: directUser({ email: 'gb1@example.com', mobile: '+447400123456' }),
  emily: directUser({ email: 'emily@example.com', mobile: '+14155550199', permission_sets: [EMAIL_OPTION] }),
  premium: directUser({ email: 'premium@example.com', mobile: '+19005551234' }),
  unassigned: directUser({ email: 'unassigned@example.com', mobile: '+447700900123' }),
};

function guarded(guard: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    version: 1,
    mobile_registration: { prompt: false },
    methods: { sms: { pumping_guard: guard } },
    ...extra,
  };
}

async function gatewayWith(guard: Record<string, unknown>, extra?: Record<string, unknown>) {
  return flowGateway({ users: USERS, config: TRUST_LOOPBACK, policy: guarded(guard, extra) });
}

/** Signed in as `user` from `ip`, at the challenge. */
async function from(gw: FlowGateway, user: string, ip: string) {
  return (await signIn(gw, user, jsonAgent(gw, { 'X-Forwarded-For': ip }))).agent;
}

async function refusalsIn(gw: FlowGateway, user: string): Promise<StoredHistoryEntry[]> {
  const entries = await gw.store.queryHistory({ user, limit: 100 });
  return entries.filter((entry) => entry.status === 'RateLimited');
}

async function refusedCount(gw: FlowGateway, reason: string): Promise<number | undefined> {
  const text = (await request(gw.app).get(`${BASE}/metrics`)).text;
  const sample = `stepgate_sms_refused_total{reason="${reason}"} `;
  const line = text.split('\n').find((each) => each.startsWith(sample));
  return line === undefined ? undefined : Number(line.slice(sample.length));
}

const SMS_UNAVAILABLE = 'We cannot send text messages right now.';

describe('the SMS-pumping guard', () => {
  it('limits the SMS asked for from one source network (an IPv4 /24), whoever signs in', async () => {
    const gw = await gatewayWith({ per_network: { count: 2, per: '1h' } });
    expect(await refusedCount(gw, 'network_budget')).toBe(0);
    expect((await send(await from(gw, 'us1', '203.0.113.5'), 'sms')).status).toBe(200);
    expect((await send(await from(gw, 'us2', '203.0.113.6'), 'sms')).status).toBe(200);

    const emily = await from(gw, 'emily', '203.0.113.200');
    const refused = await send(emily, 'sms');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: 'sms_unavailable',
      message: `${SMS_UNAVAILABLE} Choose another way to confirm it is you: Email.`,
      retry_after: 3600,
      methods: [{ id: 'email', destination: expect.any(String) }],
    });
    expect(gw.outbox().filter((entry) => entry.to === '+14155550199')).toEqual([]);
    // The methods offered instead do work.
    expect((await send(emily, 'email')).status).toBe(200);
    // Another network has a budget of its own.
    expect((await send(await from(gw, 'us3', '198.51.100.9'), 'sms')).status).toBe(200);

    const [entry] = await refusalsIn(gw, 'emily');
    expect(entry).toMatchObject({
      method: 'sms',
      status: 'RateLimited',
      detail: 'sms guard: network_budget',
      sourceIp: '203.0.113.200',
    });
    expect(await refusedCount(gw, 'network_budget')).toBe(1);
  });

  it('groups IPv6 sources by /64', async () => {
    const gw = await gatewayWith({ per_network: { count: 1, per: '1h' } });
    expect((await send(await from(gw, 'us1', '2001:db8:1:2::a'), 'sms')).status).toBe(200);
    expect((await send(await from(gw, 'us2', '2001:db8:1:2:ffff::b'), 'sms')).status).toBe(429);
    expect((await send(await from(gw, 'us3', '2001:db8:1:3::a'), 'sms')).status).toBe(200);
  });

  it('gives each destination country a budget, and a named country its own size', async () => {
    const gw = await gatewayWith({
      country_budget: { count: 1, per: '1h' },
      country_budgets: { gb: { count: 2, per: '1h' } },
    });
    expect((await send(await from(gw, 'us1', '192.0.2.1'), 'sms')).status).toBe(200);
    const second = await send(await from(gw, 'us2', '198.51.100.1'), 'sms');
    expect(second.status).toBe(429);
    expect(second.body.error).toBe('sms_unavailable');
    // bob has no other method: he is told to try later, and offered nothing.
    expect(second.body.methods).toEqual([]);
    expect(second.body.message).toBe(`${SMS_UNAVAILABLE} Try again later.`);
    const gb = await from(gw, 'gb1', '203.0.113.1');
    expect((await send(gb, 'sms')).status).toBe(200);
    expect((await send(gb, 'sms')).status).toBe(200);
    expect((await send(gb, 'sms')).status).toBe(429);
    expect((await refusalsIn(gw, 'us2'))[0]?.detail).toBe('sms guard: country_budget');
    expect(await refusedCount(gw, 'country_budget')).toBe(2);
  });

  it('stops the whole gateway at its budget, and opens again as the window moves on', async () => {
    const gw = await gatewayWith({ fleet_budget: { count: 2, per: '1h' } });
    expect((await send(await from(gw, 'us1', '192.0.2.1'), 'sms')).status).toBe(200);
    expect((await send(await from(gw, 'gb1', '198.51.100.1'), 'sms')).status).toBe(200);
    const third = await from(gw, 'us2', '203.0.113.1');
    expect((await send(third, 'sms')).body.error).toBe('sms_unavailable');
    expect((await refusalsIn(gw, 'us2'))[0]?.detail).toBe('sms guard: fleet_budget');
    expect(await refusedCount(gw, 'fleet_budget')).toBe(1);
    gw.clock.advance(HOUR);
    expect((await send(third, 'sms')).status).toBe(200);
  });

  it("keeps the per-user limit and the SPEC's message, before any budget of the guard", async () => {
    const gw = await gatewayWith({});
    const agent = await from(gw, 'us1', '192.0.2.1');
    for (let i = 0; i < 5; i += 1) expect((await send(agent, 'sms')).status).toBe(200);
    const sixth = await send(agent, 'sms');
    expect(sixth.status).toBe(429);
    expect(sixth.body).toMatchObject({ error: 'rate_limited', message: RATE_LIMITED });
    expect((await refusalsIn(gw, 'us1'))[0]?.detail).toBeNull();
  });

  it.each([
    ['a UK 09xx premium-rate number', '+44 909 876 5432', 'premium_rate'],
    ['a US 900 premium-rate number', '+1 900 555 1234', 'premium_rate'],
    ['a UK 070 personal number', '+44 70 1234 5678', 'refused_number_type'],
  ])('refuses %s at registration, in the history and /metrics', async (_what, phone, reason) => {
    const gw = await flowGateway({ users: USERS });
    const { agent, next } = await signIn(gw, 'alice');
    expect(next).toBe('register_mobile');
    const res = await agent.post(`${BASE}/mobile`).send({ phone });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'number_not_accepted',
      message: 'We do not send text messages to that number. Enter a different mobile number.',
    });
    expect(gw.outbox()).toEqual([]);
    const [entry] = await refusalsIn(gw, 'alice');
    expect(entry).toMatchObject({ triggeredBy: 'MobileRegistration', detail: `sms guard: ${reason}` });
    expect(await refusedCount(gw, reason)).toBe(1);
    // A mobile number is still accepted.
    expect((await agent.post(`${BASE}/mobile`).send({ phone: NEW_MOBILE })).status).toBe(200);
  });

  it.each([
    ['premium', 'a premium-rate number', 'premium_rate'],
    ['unassigned', 'a number in an unassigned range', 'unassigned_range'],
  ])('never texts %s from the users file (%s)', async (user, _what, reason) => {
    const gw = await gatewayWith({});
    const agent = await from(gw, user, '192.0.2.1');
    const res = await send(agent, 'sms');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'number_not_accepted', methods: [] });
    expect(gw.outbox().filter((entry) => entry.channel === 'sms')).toEqual([]);
    expect((await refusalsIn(gw, user))[0]?.detail).toBe(`sms guard: ${reason}`);
    expect(await refusedCount(gw, reason)).toBe(1);
  });

  it('shows the refusal on the challenge page for a browser', async () => {
    const gw = await gatewayWith({ per_network: { count: 1, per: '1h' } });
    expect((await send(await from(gw, 'us1', '192.0.2.1'), 'sms')).status).toBe(200);
    const browser = request.agent(gw.app).set('X-Forwarded-For', '192.0.2.2');
    await browser
      .post(`${BASE}/login`)
      .set('Accept', 'application/json')
      .send({ username: 'emily', password: 'correct horse' });
    const page = await browser.get(`${BASE}/confirm`).set('Accept', 'text/html');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const res = await browser.post(`${BASE}/confirm/send`).type('form').send({ method: 'sms', _csrf: csrf });
    expect(res.status).toBe(429);
    expect(res.text).toContain('Choose another way to confirm it is you: Email.');
  });
});
