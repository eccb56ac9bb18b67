/**
 * What the IdP sidecar API refuses, and why: tokens without the right scope, transactions that
 * are not the caller's or have expired, bodies that are not valid, steps out of order, and a
 * client IP from anywhere but the body. Every answer is held to docs/sidecar-api.yaml, and the
 * document to the router.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../gateway/context.js';
import { SIDECAR_API_BASE, sidecarRoutes } from '../../gateway/flows/sidecar/api.js';
import { DeliveryError, type SmsMessage } from '../../gateway/ports.js';
import { OpenApiContract } from '../helpers/openapi.js';
import {
  BASE,
  MINUTE,
  NEW_MOBILE,
  NO_PROMPT,
  flowGateway,
  jsonAgent,
  lastCode,
  signIn,
  type FlowGateway,
} from '../helpers/flow.js';
import type { TestGatewayOptions } from '../helpers/gateway.js';

const contract = await OpenApiContract.load(new URL('../../docs/sidecar-api.yaml', import.meta.url), BASE);

const KEYCLOAK = 'keycloak-sidecar-token-0123456789abcdefghij';
const HELPDESK = 'helpdesk-admin-token-0123456789abcdefghij';
const OTHER_IDP = 'other-idp-sidecar-token-0123456789abcdefgh';
const API_TOKENS = [
  { name: 'keycloak', token: KEYCLOAK, scopes: ['sidecar' as const] },
  { name: 'helpdesk-tool', token: HELPDESK, scopes: ['admin' as const] },
  { name: 'other-idp', token: OTHER_IDP, scopes: ['sidecar' as const] },
];
const ALICE = { user: 'alice', login: 'direct', client_ip: '203.0.113.7', email: 'alice@example.com' };

type Options = Omit<TestGatewayOptions, 'upstreamUrl'>;

async function sidecarGateway(options: Options = {}): Promise<FlowGateway> {
  return flowGateway({
    policy: NO_PROMPT,
    ...options,
    config: { ...options.config, admin: { api_tokens: API_TOKENS } },
  });
}

/** One sidecar call with `token` (none when undefined), its answer checked against the document. */
async function call(
  gw: FlowGateway,
  token: string | undefined,
  method: 'get' | 'post',
  path: string,
  body?: object,
) {
  let req = request(gw.app)[method](`${BASE}/sidecar/v1${path}`);
  if (token !== undefined) req = req.set('Authorization', `Bearer ${token}`);
  const res = await (body === undefined ? req : req.send(body));
  contract.check(res);
  return res;
}

async function evaluate(gw: FlowGateway, body: object = ALICE, token = KEYCLOAK): Promise<string> {
  const res = await call(gw, token, 'post', '/evaluate', body);
  expect(res.status, res.text).toBe(201);
  return res.body.transaction_id as string;
}

describe('docs/sidecar-api.yaml', () => {
  it('documents every route of the sidecar router and nothing else', () => {
    const router = sidecarRoutes({ ports: {} } as unknown as GatewayContext, {} as never, {} as never);
    const served = router.stack.flatMap((layer) => {
      const route = layer.route as { path: string; methods: Record<string, boolean> } | undefined;
      if (!route) return [];
      return Object.keys(route.methods).map((m) => `${m} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
    });
    const documented = contract.operations().map((op) => `${op.method} ${op.path}`);
    expect(served.length).toBeGreaterThan(8);
    expect(documented.sort()).toEqual(served.sort());
    expect(documented.every((route) => route.includes(` ${SIDECAR_API_BASE}/`))).toBe(true);
  });

  it('is checked strictly: an extra field or an undocumented status fails the check', async () => {
    const gw = await sidecarGateway();
    const res = await call(gw, KEYCLOAK, 'get', '/users/alice/configured');
    expect(() => contract.check(Object.assign(res, { body: { ...res.body, extra: 1 } }))).toThrow(/extra/);
    expect(() => contract.check(Object.assign(res, { status: 418 }))).toThrow(/not documented/);
  });
});

describe('sidecar tokens', () => {
  it('refuses a request without a token, or with a wrong one, with 401', async () => {
    const gw = await sidecarGateway();
    const none = await call(gw, undefined, 'post', '/evaluate', ALICE);
    expect(none.status).toBe(401);
    expect(none.body.error).toBe('unauthorized');
    expect(none.headers['www-authenticate']).toBe('Bearer realm="stepgate-sidecar"');
    const wrong = await call(
      gw,
      'not-the-keycloak-token-0123456789abcdefgh',
      'get',
      '/users/alice/configured',
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'unauthorized', message: 'That API token is not valid.' });
    // A form post without a token is the same 401, not a CSRF refusal: the sidecar has no sessions.
    const form = await request(gw.app)
      .post(`${BASE}/sidecar/v1/evaluate`)
      .type('form')
      .send({ user: 'alice' });
    expect(form.status).toBe(401);
    expect(form.body.error).toBe('unauthorized');
  });

  it('answers JSON to a client that asks for HTML, and is never cached', async () => {
    const gw = await sidecarGateway();
    const res = await request(gw.app)
      .get(`${BASE}/sidecar/v1/users/alice/configured`)
      .set('Accept', 'text/html');
    contract.check(res);
    expect(res.status).toBe(401);
    expect(res.headers['cache-control']).toBe('no-store');
    const unknown = await request(gw.app)
      .get(`${BASE}/sidecar/v1/nothing-here`)
      .set('Authorization', `Bearer ${KEYCLOAK}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('not_found');
  });

  it('refuses an admin-scope token with 403, on every kind of call', async () => {
    const gw = await sidecarGateway();
    const id = await evaluate(gw);
    for (const [method, path, body] of [
      ['post', '/evaluate', ALICE],
      ['get', `/transactions/${id}`, undefined],
      ['post', `/transactions/${id}/send`, { method: 'email' }],
      ['get', '/users/alice/configured', undefined],
    ] as const) {
      const res = await call(gw, HELPDESK, method, path, body);
      expect(res.status, path).toBe(403);
      expect(res.body.error).toBe('insufficient_scope');
    }
  });

  it("refuses another sidecar token the first token's transaction, which stays usable", async () => {
    const gw = await sidecarGateway();
    const id = await evaluate(gw);
    for (const path of [`/transactions/${id}/send`, `/transactions/${id}/verify`]) {
      const res = await call(gw, OTHER_IDP, 'post', path, { method: 'email', code: '123456' });
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('unknown_transaction');
    }
    expect(gw.outbox()).toHaveLength(0);
    expect((await call(gw, KEYCLOAK, 'post', `/transactions/${id}/send`, { method: 'email' })).status).toBe(
      200,
    );
    expect((await call(gw, KEYCLOAK, 'get', '/transactions/not-a-transaction-id-at-all')).status).toBe(404);
  });
});

describe('sidecar transactions expire with the code lifetime', () => {
  it('ends a confirm transaction 10 minutes after its last step', async () => {
    const gw = await sidecarGateway();
    const id = await evaluate(gw);
    gw.clock.advance(10 * MINUTE - 1);
    expect((await call(gw, KEYCLOAK, 'get', `/transactions/${id}`)).status).toBe(200);
    gw.clock.advance(10 * MINUTE);
    const gone = await call(gw, KEYCLOAK, 'post', `/transactions/${id}/send`, { method: 'email' });
    expect(gone.status).toBe(404);
    expect(gone.body.error).toBe('unknown_transaction');
  });

  it('gives a mobile registration the registration code lifetime (15 minutes)', async () => {
    const gw = await sidecarGateway({ policy: undefined });
    const id = await evaluate(gw);
    gw.clock.advance(15 * MINUTE - 1);
    expect((await call(gw, KEYCLOAK, 'get', `/transactions/${id}`)).body.decision).toBe('register_mobile');
    gw.clock.advance(15 * MINUTE);
    expect((await call(gw, KEYCLOAK, 'post', `/transactions/${id}/mobile/decline`, {})).status).toBe(404);
  });
});

describe('the client IP comes only from the evaluate body', () => {
  const TRUSTING = {
    policy: { ...NO_PROMPT, identity_confirmation: { trusted_networks: ['10.0.0.0/8'] } },
    config: { server: { trusted_proxies: ['127.0.0.1/32'] } },
  };

  it('honours X-Forwarded-For from a trusted proxy at the gateway itself (so the header would matter)', async () => {
    const gw = await sidecarGateway(TRUSTING);
    const { next } = await signIn(gw, 'alice', jsonAgent(gw, { 'X-Forwarded-For': '10.9.8.7' }));
    expect(next).toBe('done');
  });

  it('ignores a forged X-Forwarded-For on the sidecar request: decision and history follow client_ip', async () => {
    const gw = await sidecarGateway(TRUSTING);
    const forged = (body: object) =>
      request(gw.app)
        .post(`${BASE}/sidecar/v1/evaluate`)
        .set('Authorization', `Bearer ${KEYCLOAK}`)
        .set('X-Forwarded-For', '10.9.8.7')
        .send(body);
    const first = await forged(ALICE);
    contract.check(first);
    expect(first.body.decision).toBe('confirm');
    const id = first.body.transaction_id as string;
    await call(gw, KEYCLOAK, 'post', `/transactions/${id}/send`, { method: 'email' });
    const code = lastCode(gw, 'email', 'alice@example.com');
    expect(
      (await call(gw, KEYCLOAK, 'post', `/transactions/${id}/verify`, { method: 'email', code })).status,
    ).toBe(200);
    const history = await gw.store.queryHistory({ user: 'alice', limit: 10 });
    expect(new Set(history.map((e) => e.sourceIp))).toEqual(new Set(['203.0.113.7']));

    // The remembered network is client_ip's, whatever the header claims.
    const elsewhere = await forged({ ...ALICE, client_ip: '198.51.100.20' });
    expect(elsewhere.body.decision).toBe('confirm');
    const remembered = await request(gw.app)
      .post(`${BASE}/sidecar/v1/evaluate`)
      .set('Authorization', `Bearer ${KEYCLOAK}`)
      .set('X-Forwarded-For', '198.51.100.20')
      .send(ALICE);
    expect(remembered.body).toMatchObject({ decision: 'skip', reason: 'remembered_network' });
  });
});

describe('sidecar requests that are not valid', () => {
  it.each([
    ['a missing client_ip', { user: 'alice', login: 'direct' }, 'client_ip: is required'],
    [
      'a client_ip that is no address',
      { ...ALICE, client_ip: '10.0.0.300' },
      'client_ip: must be an IPv4 or IPv6 address',
    ],
    ['an unknown field', { ...ALICE, clientIp: '10.0.0.1' }, 'clientIp: is not a known field'],
    ['an unknown login kind', { ...ALICE, login: 'ldap' }, 'login: '],
  ])('refuses %s with 400 naming the field', async (_what, body, problem) => {
    const gw = await sidecarGateway();
    const res = await call(gw, KEYCLOAK, 'post', '/evaluate', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.message).toContain(problem);
    expect(res.body.problems).toEqual([expect.stringContaining(problem)]);
  });

  it('refuses a step out of order (409), a method not offered and a number that is not mobile (400)', async () => {
    const gw = await sidecarGateway({ policy: undefined });
    const id = await evaluate(gw);
    const early = await call(gw, KEYCLOAK, 'post', `/transactions/${id}/send`, { method: 'email' });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({
      error: 'wrong_step',
      message: expect.stringContaining("'register_mobile'"),
    });
    const landline = await call(gw, KEYCLOAK, 'post', `/transactions/${id}/mobile`, {
      phone: '+442079460000',
    });
    expect(landline.status).toBe(400);
    expect((await call(gw, KEYCLOAK, 'post', `/transactions/${id}/mobile/decline`, {})).body.decision).toBe(
      'confirm',
    );
    expect(
      (await call(gw, KEYCLOAK, 'post', `/transactions/${id}/mobile`, { phone: NEW_MOBILE })).status,
    ).toBe(409);
    const sms = await call(gw, KEYCLOAK, 'post', `/transactions/${id}/send`, { method: 'sms' });
    expect(sms.status).toBe(400);
    expect(sms.body).toMatchObject({
      error: 'invalid_method',
      message: 'Choose one of the offered methods: email.',
    });
  });

  it('refuses to decline when the policy requires a mobile number (403)', async () => {
    const gw = await sidecarGateway({
      policy: { version: 1, mobile_registration: { allow_decline: false } },
    });
    const id = await evaluate(gw);
    expect((await call(gw, KEYCLOAK, 'get', `/transactions/${id}`)).body.allow_decline).toBe(false);
    const res = await call(gw, KEYCLOAK, 'post', `/transactions/${id}/mobile/decline`, {});
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('decline_not_allowed');
  });

  it('refuses to decline for a user with no email: no way forward would be left (403)', async () => {
    const gw = await sidecarGateway({ policy: undefined });
    const { email: _none, ...noEmail } = ALICE;
    const id = await evaluate(gw, noEmail);
    expect((await call(gw, KEYCLOAK, 'get', `/transactions/${id}`)).body).toMatchObject({
      decision: 'register_mobile',
      allow_decline: false,
    });
    const res = await call(gw, KEYCLOAK, 'post', `/transactions/${id}/mobile/decline`, {});
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('decline_not_allowed');
    expect(await gw.store.getRegistrationDecline('alice')).toBeUndefined();
  });

  it('answers 503 when the SMS provider fails for now; the transaction stays open for email', async () => {
    const failing = { sendSms: async (_message: SmsMessage) => Promise.reject(DeliveryError.transient()) };
    const gw = await sidecarGateway({ sms: failing, policy: undefined });
    const carol = {
      ...ALICE,
      user: 'carol',
      email: 'carol@example.com',
      mobile: '+12015550199',
      permission_sets: ['Email-Based Identity Confirmation Option'],
    };
    const id = await evaluate(gw, carol);
    const res = await call(gw, KEYCLOAK, 'post', `/transactions/${id}/send`, { method: 'sms' });
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('delivery_failed');
    expect((await call(gw, KEYCLOAK, 'post', `/transactions/${id}/send`, { method: 'email' })).status).toBe(
      200,
    );
  });
});
