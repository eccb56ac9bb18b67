/**
 * The IdP sidecar API (SPEC §4 `/sidecar/v1`) driven the way a Keycloak authenticator drives it:
 * a whole sign-in for each decision, with limits, lockouts and history shared with the gateway.
 * Every answer is held to docs/sidecar-api.yaml.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { StoredHistoryEntry } from '../../gateway/ports.js';
import { OpenApiContract } from '../helpers/openapi.js';
import {
  BASE,
  BOB_MOBILE,
  NEW_MOBILE,
  NO_PROMPT,
  flowGateway,
  issueTemporaryCode,
  lastCode,
  messagesTo,
  wrongCode,
  type FlowGateway,
} from '../helpers/flow.js';

const contract = await OpenApiContract.load(new URL('../../docs/sidecar-api.yaml', import.meta.url), BASE);

const KEYCLOAK_TOKEN = 'keycloak-sidecar-token-0123456789abcdefghij';
const API_TOKENS = [
  { name: 'keycloak', token: KEYCLOAK_TOKEN, scopes: ['sidecar' as const] },
  { name: 'helpdesk-tool', token: 'helpdesk-admin-token-0123456789abcdefghij', scopes: ['admin' as const] },
  { name: 'other-idp', token: 'other-idp-sidecar-token-0123456789abcdefgh', scopes: ['sidecar' as const] },
];
const ALICE = 'alice@example.com';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0';

/** What Keycloak knows after its Username Password Form: the body of `evaluate`. */
interface SignIn {
  user: string;
  login: 'direct' | 'delegated' | 'saml' | 'oidc';
  client_ip: string;
  entry_point?: string;
  user_type?: 'standard' | 'portal' | 'external';
  email?: string;
  mobile?: string;
  user_agent?: string;
}

/**
 * The identity provider's authenticator: one method per SPI step, each one HTTP call. Every
 * request body and answer is checked against the OpenAPI document.
 */
class KeycloakAuthenticator {
  constructor(
    private readonly gw: FlowGateway,
    private readonly token = KEYCLOAK_TOKEN,
  ) {}

  private async call(method: 'get' | 'post', path: string, body?: object): Promise<request.Response> {
    const url = `${BASE}/sidecar/v1${path}`;
    const req = request(this.gw.app)[method](url).set('Authorization', `Bearer ${this.token}`);
    if (body !== undefined) contract.checkRequest(method, url, body);
    const res = await (body === undefined ? req : req.send(body));
    contract.check(res);
    expect(res.headers['cache-control']).toBe('no-store');
    return res;
  }

  /** authenticate(): what does this sign-in need? */
  evaluate(signIn: SignIn) {
    return this.call('post', '/evaluate', { user_agent: BROWSER, ...signIn });
  }
  transaction(id: string) {
    return this.call('get', `/transactions/${id}`);
  }
  send(id: string, method: string) {
    return this.call('post', `/transactions/${id}/send`, { method });
  }
  verify(id: string, method: string, code: string) {
    return this.call('post', `/transactions/${id}/verify`, { method, code });
  }
  registerMobile(id: string, phone: string) {
    return this.call('post', `/transactions/${id}/mobile`, { phone });
  }
  verifyMobile(id: string, code: string) {
    return this.call('post', `/transactions/${id}/mobile/verify`, { code });
  }
  decline(id: string) {
    return this.call('post', `/transactions/${id}/mobile/decline`, {});
  }
  /** configuredFor(): can this user answer a challenge other than by email? */
  async configured(user: string, mobile?: string): Promise<boolean> {
    const query = mobile === undefined ? '' : `?mobile=${encodeURIComponent(mobile)}`;
    const res = await this.call('get', `/users/${encodeURIComponent(user)}/configured${query}`);
    expect(res.status).toBe(200);
    return res.body.configured as boolean;
  }
  expireTemporaryCode(user: string) {
    return this.call('post', `/users/${encodeURIComponent(user)}/temporary-code/expire`, {});
  }

  /** Sends a code by `method`, reads it from the outbox and answers it: the sign-in is done. */
  async confirmBy(id: string, method: 'sms' | 'email', to: string) {
    const sent = await this.send(id, method);
    expect(sent.status, sent.text).toBe(200);
    const done = await this.verify(id, method, lastCode(this.gw, method, to));
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({ decision: 'done', confirmation: method });
    return done;
  }
}

async function sidecarGateway(policy?: unknown) {
  const gw = await flowGateway({ policy, config: { admin: { api_tokens: API_TOKENS } } });
  return { gw, idp: new KeycloakAuthenticator(gw) };
}

const alice = (client_ip = '203.0.113.7'): SignIn => ({
  user: 'alice',
  login: 'direct',
  client_ip,
  email: ALICE,
});
const bob = (client_ip = '198.51.100.7'): SignIn => ({
  user: 'bob',
  login: 'delegated',
  client_ip,
  email: 'bob@example.com',
  mobile: BOB_MOBILE,
});

async function historyOf(gw: FlowGateway, user: string): Promise<StoredHistoryEntry[]> {
  return (await gw.store.queryHistory({ user, limit: 100 })).reverse();
}

describe('sidecar sign-ins that skip or are denied', () => {
  it('skips a SAML sign-in under the default policy, and records the skip with the IdP client IP', async () => {
    const { gw, idp } = await sidecarGateway();
    const res = await idp.evaluate({ user: 'sam', login: 'saml', client_ip: '192.0.2.44' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ decision: 'skip', rule: 'SAML federation', reason: 'skipped', methods: [] });
    expect(await historyOf(gw, 'sam')).toEqual([
      expect.objectContaining({ method: 'none', status: 'Skipped', sourceIp: '192.0.2.44', login: 'saml' }),
    ]);
  });

  it('skips an OpenID Connect sign-in under the default policy, and records it as one', async () => {
    const { gw, idp } = await sidecarGateway();
    const res = await idp.evaluate({ user: 'olga', login: 'oidc', client_ip: '192.0.2.45' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      decision: 'skip',
      rule: 'OpenID Connect federation',
      reason: 'skipped',
      methods: [],
    });
    expect(await historyOf(gw, 'olga')).toEqual([
      expect.objectContaining({ method: 'none', status: 'Skipped', login: 'oidc' }),
    ]);
  });

  it('skips the portal entry point', async () => {
    const { idp } = await sidecarGateway();
    const res = await idp.evaluate({ ...alice(), user_type: 'portal', entry_point: 'portal' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ decision: 'skip', rule: 'portal users', reason: 'skipped' });
  });

  it('skips a trusted network by the client_ip of the body', async () => {
    const { idp } = await sidecarGateway({
      ...NO_PROMPT,
      identity_confirmation: { trusted_networks: ['10.0.0.0/8'] },
    });
    const inside = await idp.evaluate(alice('10.20.30.40'));
    expect(inside.body).toEqual({
      decision: 'skip',
      rule: 'everyone else',
      reason: 'trusted_network',
      methods: [],
    });
    expect((await idp.evaluate(alice('11.20.30.40'))).body.decision).toBe('confirm');
  });

  it('denies by a deny rule, with no transaction', async () => {
    const { gw, idp } = await sidecarGateway({
      ...NO_PROMPT,
      rules: [
        { name: 'no external collaborators', when: { user_type: 'external' }, then: 'deny' },
        { name: 'everyone else', then: 'confirm' },
      ],
    });
    const res = await idp.evaluate({ ...alice(), user: 'eve', user_type: 'external' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ decision: 'deny', rule: 'no external collaborators', methods: [] });
    expect(await historyOf(gw, 'eve')).toEqual([]);
  });
});

describe('sidecar sign-ins that confirm', () => {
  it('confirms by an email code, then the transaction is over', async () => {
    const { gw, idp } = await sidecarGateway(NO_PROMPT);
    const started = await idp.evaluate(alice());
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      decision: 'confirm',
      rule: 'everyone else',
      methods: [{ id: 'email', destination: 'a•••@example.com' }],
    });
    const id = started.body.transaction_id as string;
    const sent = await idp.send(id, 'email');
    expect(sent.body).toMatchObject({ sent: true, destination: 'a•••@example.com', decision: 'confirm' });
    const wrong = await idp.verify(id, 'email', wrongCode(lastCode(gw, 'email', ALICE)));
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: 'invalid_code', attempts_left: 4 });
    await idp.confirmBy(id, 'email', ALICE);
    // Two codes, then the new-network notice (docs/sign-in-notices.md).
    expect(messagesTo(gw, 'email', ALICE).map((message) => message.subject)).toEqual([
      'Your verification code',
      'Your verification code',
      'New sign-in to your account from a new network',
    ]);
    expect((await idp.transaction(id)).status).toBe(404);
  });

  it('confirms by SMS to the mobile of the IdP record, and offers no email for it', async () => {
    const { gw, idp } = await sidecarGateway();
    const started = await idp.evaluate(bob());
    expect(started.status).toBe(201);
    expect(started.body.methods).toEqual([{ id: 'sms', destination: '+1 ••• ••• ••23' }]);
    await idp.confirmBy(started.body.transaction_id, 'sms', BOB_MOBILE);
    expect(messagesTo(gw, 'sms', BOB_MOBILE)).toHaveLength(1);
  });

  it('remembers a confirmed network: the next evaluate from it (or its IPv6 /64) skips', async () => {
    const { idp } = await sidecarGateway();
    const first = await idp.evaluate(bob());
    await idp.confirmBy(first.body.transaction_id, 'sms', BOB_MOBILE);
    const again = await idp.evaluate(bob());
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      decision: 'skip',
      rule: 'everyone else',
      reason: 'remembered_network',
      methods: [],
    });
    expect((await idp.evaluate(bob('198.51.100.8'))).body.decision).toBe('confirm');

    const v6 = await idp.evaluate(bob('2001:db8:1:2::17'));
    await idp.confirmBy(v6.body.transaction_id, 'sms', BOB_MOBILE);
    expect((await idp.evaluate(bob('2001:db8:1:2:ffff::9'))).body.reason).toBe('remembered_network');
    expect((await idp.evaluate(bob('2001:db8:1:3::17'))).body.decision).toBe('confirm');
  });
});

describe('sidecar mobile registration (the required action)', () => {
  it('registers and proves a number, confirms by email, and only then counts the number', async () => {
    const { gw, idp } = await sidecarGateway();
    expect(await idp.configured('alice')).toBe(false);
    const started = await idp.evaluate(alice());
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ decision: 'register_mobile', allow_decline: true, methods: [] });
    const id = started.body.transaction_id as string;

    const texted = await idp.registerMobile(id, NEW_MOBILE);
    expect(texted.body).toMatchObject({
      sent: true,
      destination: '+44 •••• ••••56',
      decision: 'register_mobile',
    });
    const proved = await idp.verifyMobile(id, lastCode(gw, 'sms', NEW_MOBILE));
    // A number proved in this sign-in cannot confirm it: email it is.
    expect(proved.body).toMatchObject({ verified: true, decision: 'confirm', methods: [{ id: 'email' }] });
    expect(proved.body.methods).toHaveLength(1);
    expect(await idp.configured('alice')).toBe(false);

    await idp.confirmBy(id, 'email', ALICE);
    expect(await idp.configured('alice')).toBe(true);
    const next = await idp.evaluate(alice('203.0.113.99'));
    expect(next.body.methods).toEqual([{ id: 'sms', destination: '+44 •••• ••••56' }]);
  });

  it('lets the user decline and confirm by email; the next sign-in does not ask again', async () => {
    const { idp } = await sidecarGateway();
    const started = await idp.evaluate(alice());
    const declined = await idp.decline(started.body.transaction_id);
    expect(declined.status).toBe(200);
    expect(declined.body).toMatchObject({ decision: 'confirm', methods: [{ id: 'email' }] });
    await idp.confirmBy(started.body.transaction_id, 'email', ALICE);
    const later = await idp.evaluate(alice('203.0.113.99'));
    expect(later.body).toMatchObject({ decision: 'confirm', methods: [{ id: 'email' }] });
  });

  it('finishes at once on a trusted network once the number is proved', async () => {
    const { gw, idp } = await sidecarGateway({
      version: 1,
      identity_confirmation: { trusted_networks: ['10.0.0.0/8'] },
    });
    const started = await idp.evaluate(alice('10.1.1.1'));
    expect(started.body.decision).toBe('register_mobile');
    await idp.registerMobile(started.body.transaction_id, NEW_MOBILE);
    const proved = await idp.verifyMobile(started.body.transaction_id, lastCode(gw, 'sms', NEW_MOBILE));
    expect(proved.body).toMatchObject({ verified: true, decision: 'done', confirmation: 'trusted_network' });
    expect(await idp.configured('alice')).toBe(true);
  });
});

describe('sidecar self-service', () => {
  it("expires the user's temporary code: it is no longer offered", async () => {
    const { gw, idp } = await sidecarGateway(NO_PROMPT);
    await issueTemporaryCode(gw, 'alice');
    const id = (await idp.evaluate(alice())).body.transaction_id as string;
    const before = await idp.transaction(id);
    expect(before.body.methods.map((m: { id: string }) => m.id)).toEqual(['email', 'temporary_code']);
    expect((await idp.expireTemporaryCode('alice')).body).toEqual({ expired: true });
    expect((await idp.expireTemporaryCode('alice')).body).toEqual({ expired: false });
    expect((await idp.transaction(id)).body.methods).toEqual([
      { id: 'email', destination: 'a•••@example.com' },
    ]);
    const history = await gw.store.queryHistory({ user: 'alice', limit: 1 });
    expect(history[0]).toMatchObject({
      method: 'temporary_code',
      detail: expect.stringContaining('keycloak'),
    });
  });
});

describe('docs/sidecar-api.yaml', () => {
  // Runs last: the sign-ins above must have had a documented success from every operation.
  it('was answered successfully by every operation it documents, in the sign-ins above', () => {
    const succeeded = new Set(
      [...contract.seen].filter((s) => / 2\d\d$/.test(s)).map((s) => s.split(' ')[0]),
    );
    expect([...succeeded].sort()).toEqual(
      contract
        .operations()
        .map((op) => op.operationId)
        .sort(),
    );
  });
});
