/**
 * What the IdP sidecar API shares with the gateway (SPEC §1.5, §2, §5): the SMS send limit, the
 * lockout, the remembered networks, the methods a user has set up, and the verification history.
 * A user limited or locked out through one door is limited or locked out at the other.
 * Every answer is held to docs/sidecar-api.yaml.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { StoredHistoryEntry } from '../../gateway/ports.js';
import { OpenApiContract } from '../helpers/openapi.js';
import {
  BASE,
  BOB_MOBILE,
  LOCKED,
  NO_PROMPT,
  RATE_LIMITED,
  flowGateway,
  issueTemporaryCode,
  lastCode,
  messagesTo,
  send,
  signIn,
  totpAt,
  verify,
  wrongCode,
  type FlowGateway,
} from '../helpers/flow.js';
import { authenticatorCredential } from '../../gateway/factors/authenticator/index.js';

const contract = await OpenApiContract.load(new URL('../../docs/sidecar-api.yaml', import.meta.url), BASE);

const KEYCLOAK = 'keycloak-sidecar-token-0123456789abcdefghij';
const API_TOKENS = [
  { name: 'keycloak', token: KEYCLOAK, scopes: ['sidecar' as const] },
  { name: 'helpdesk-tool', token: 'helpdesk-admin-token-0123456789abcdefghij', scopes: ['admin' as const] },
];
const ALICE_EMAIL = 'alice@example.com';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0';
const ALICE = { user: 'alice', login: 'direct', client_ip: '203.0.113.7', email: ALICE_EMAIL };
const BOB = { user: 'bob', login: 'delegated', client_ip: '198.51.100.7', mobile: BOB_MOBILE };

async function sidecarGateway(policy?: unknown): Promise<FlowGateway> {
  return flowGateway({ policy, config: { admin: { api_tokens: API_TOKENS } } });
}

/** One sidecar call with the IdP's token, its answer checked against the document. */
async function call(gw: FlowGateway, method: 'get' | 'post', path: string, body?: object) {
  const req = request(gw.app)[method](`${BASE}/sidecar/v1${path}`).set('Authorization', `Bearer ${KEYCLOAK}`);
  const res = await (body === undefined ? req : req.send(body));
  contract.check(res);
  return res;
}

async function evaluate(gw: FlowGateway, body: object): Promise<string> {
  const res = await call(gw, 'post', '/evaluate', { user_agent: BROWSER, ...body });
  expect(res.status, res.text).toBe(201);
  return res.body.transaction_id as string;
}

const sendCode = (gw: FlowGateway, id: string, method: string) =>
  call(gw, 'post', `/transactions/${id}/send`, { method });
const verifyCode = (gw: FlowGateway, id: string, method: string, code: string) =>
  call(gw, 'post', `/transactions/${id}/verify`, { method, code });

async function historyOf(gw: FlowGateway, user: string): Promise<StoredHistoryEntry[]> {
  return (await gw.store.queryHistory({ user, limit: 100 })).reverse();
}

describe('limits and lockouts shared with the gateway', () => {
  it('refuses the sixth SMS in an hour with the SPEC sentence, at the sidecar and then at the gateway', async () => {
    const gw = await sidecarGateway();
    const id = await evaluate(gw, BOB);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await sendCode(gw, id, 'sms')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const sixth = await sendCode(gw, id, 'sms');
    expect(sixth.status).toBe(429);
    expect(sixth.body).toMatchObject({ error: 'rate_limited', message: RATE_LIMITED });
    expect(messagesTo(gw, 'sms', BOB_MOBILE)).toHaveLength(5);

    const { agent } = await signIn(gw, 'bob');
    const atGateway = await send(agent, 'sms');
    expect(atGateway.status).toBe(429);
    expect(atGateway.body.message).toBe(RATE_LIMITED);
    expect(messagesTo(gw, 'sms', BOB_MOBILE)).toHaveLength(5);
  });

  it('locks out after 10 wrong codes through the sidecar, and the gateway refuses the same user', async () => {
    const gw = await sidecarGateway(NO_PROMPT);
    const id = await evaluate(gw, ALICE);
    await sendCode(gw, id, 'email');
    const code = lastCode(gw, 'email', ALICE_EMAIL);
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await verifyCode(gw, id, 'email', wrongCode(code))).status);
    expect(statuses).toEqual([...Array(9).fill(400), 423]);
    const locked = await sendCode(gw, id, 'email');
    expect(locked.status).toBe(423);
    expect(locked.body).toEqual({ error: 'locked', message: LOCKED, retry_after: 3600 });

    const { agent, next } = await signIn(gw, 'alice');
    expect(next).toBe('confirm');
    const atGateway = await verify(agent, 'email', code);
    expect(atGateway.status).toBe(423);
    expect(atGateway.body).toMatchObject({ error: 'locked', message: LOCKED });
  });
});

describe('what the sidecar and the gateway know alike', () => {
  it('writes each step to the history with the client_ip, login, entry point and browser of the evaluate body', async () => {
    const gw = await sidecarGateway(NO_PROMPT);
    const body = { ...ALICE, client_ip: '203.0.113.70', login: 'delegated', entry_point: 'intranet' };
    const id = await evaluate(gw, body);
    await sendCode(gw, id, 'email');
    await verifyCode(gw, id, 'email', wrongCode(lastCode(gw, 'email', ALICE_EMAIL)));
    await verifyCode(gw, id, 'email', lastCode(gw, 'email', ALICE_EMAIL));
    expect((await call(gw, 'post', '/evaluate', { user_agent: BROWSER, ...body })).body.reason).toBe(
      'remembered_network',
    );

    const history = await historyOf(gw, 'alice');
    expect(history.map((e) => [e.method, e.status, e.triggeredBy])).toEqual([
      ['email', 'Initiated', 'NewNetwork'],
      ['email', 'FailedInvalidCode', 'NewNetwork'],
      ['email', 'Succeeded', 'NewNetwork'],
      ['none', 'Skipped', null],
    ]);
    for (const entry of history) {
      expect(entry).toMatchObject({
        sourceIp: '203.0.113.70',
        login: 'delegated',
        entryPoint: 'intranet',
        userAgent: BROWSER,
      });
    }
  });

  it('offers and accepts the authenticator app and a help desk temporary code', async () => {
    const gw = await sidecarGateway(NO_PROMPT);
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    await gw.store.saveCredential(
      authenticatorCredential({
        user: 'alice',
        secret,
        createdAt: gw.clock.now(),
        lastUsedStep: null,
      }),
    );
    const first = await call(gw, 'post', '/evaluate', ALICE);
    expect(first.body.methods).toEqual([
      { id: 'email', destination: 'a•••@example.com' },
      { id: 'authenticator' },
    ]);
    const byApp = await verifyCode(
      gw,
      first.body.transaction_id,
      'authenticator',
      totpAt(secret, gw.clock.now()),
    );
    expect(byApp.body).toMatchObject({ decision: 'done', confirmation: 'authenticator' });

    const code = await issueTemporaryCode(gw, 'alice');
    const second = await evaluate(gw, { ...ALICE, client_ip: '203.0.113.8' });
    const byTemporary = await verifyCode(gw, second, 'temporary_code', code);
    expect(byTemporary.body).toMatchObject({ decision: 'done', confirmation: 'temporary_code' });
  });

  it('answers configuredFor from a verified mobile (its own or the IdP record) or an authenticator', async () => {
    const gw = await sidecarGateway();
    const configured = async (query = '') => (await call(gw, 'get', `/users/carol/configured${query}`)).body;
    expect(await configured()).toEqual({
      user: 'carol',
      configured: false,
      mobile: false,
      authenticator: false,
      webauthn: false,
      credentials: [],
    });
    expect((await configured('?mobile=%2B12015550199')).configured).toBe(true);
    expect((await configured('?mobile=not-a-number')).configured).toBe(false);
    await gw.store.saveCredential(
      authenticatorCredential({
        user: 'carol',
        secret: 'JBSWY3DPEHPK3PXP',
        createdAt: gw.clock.now(),
        lastUsedStep: null,
      }),
    );
    expect(await configured()).toEqual({
      user: 'carol',
      configured: true,
      mobile: false,
      authenticator: true,
      webauthn: false,
      credentials: ['authenticator'],
    });
  });
});
