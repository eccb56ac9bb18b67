/**
 * Passkeys and security keys (SPEC §1.1, method `webauthn`) through the JSON API, answered by a
 * software authenticator (test/helpers/webauthn.ts): set up in the settings of a confirmed
 * session, several per user with names, used to confirm a sign-in, refused when the answer was
 * made for another site, replayed or cloned, removed by the user and by the help desk, required
 * by a policy rule, offered through the sidecar API only to an IdP that says it can present it.
 * The same ceremony in a real browser is test/browser/webauthn.test.ts.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  ALWAYS,
  BASE,
  FLOW_USERS,
  confirmBy,
  directUser,
  flowGateway,
  jsonAgent,
  offered,
  send,
  signIn,
  type Agent,
  type FlowGateway,
} from '../helpers/flow.js';
import { OpenApiContract } from '../helpers/openapi.js';
import { SoftwareAuthenticator } from '../helpers/webauthn.js';

const adminApi = await OpenApiContract.load(new URL('../../docs/admin-api.yaml', import.meta.url), BASE);
const sidecarApi = await OpenApiContract.load(new URL('../../docs/sidecar-api.yaml', import.meta.url), BASE);

/** The gateway's own origin: the test gateway's public_url is the default, http://localhost:8080. */
const ORIGIN = 'http://localhost:8080';
const TOKEN = 'sidecar-token-for-the-passkey-tests-0123456789';
const HELPDESK_TOKEN = 'admin-token-for-the-passkey-tests-0123456789';

const USERS = { ...FLOW_USERS, helen: directUser({ email: 'helen@example.com', profile: 'Help Desk' }) };

async function gateway(policy: unknown = ALWAYS): Promise<FlowGateway> {
  return flowGateway({
    users: USERS,
    policy,
    config: {
      admin: {
        api_tokens: [
          { name: 'idp', token: TOKEN, scopes: ['sidecar'] },
          { name: 'helpdesk', token: HELPDESK_TOKEN, scopes: ['admin'] },
        ],
      },
    },
  });
}

/** A signed-in session of `user`, confirmed by email. */
async function confirmedSession(gw: FlowGateway, user = 'alice'): Promise<Agent> {
  const { agent } = await signIn(gw, user);
  await confirmBy(gw, agent, 'email', `${user}@example.com`);
  return agent;
}

/** Sets a key up through the settings, as the settings page's script does. */
async function addKey(agent: Agent, key: SoftwareAuthenticator, name?: string) {
  const begun = await agent.post(`${BASE}/settings/webauthn`).send({});
  expect(begun.status, JSON.stringify(begun.body)).toBe(200);
  const options = begun.body.options;
  return agent.post(`${BASE}/settings/webauthn`).send({ response: key.register(options), name });
}

/** Starts the passkey challenge and answers it with `key` (for `answer`'s origin and RP ID). */
async function confirmWithKey(
  agent: Agent,
  key: SoftwareAuthenticator,
  answer: Parameters<SoftwareAuthenticator['assert']>[1] = {},
) {
  const started = await send(agent, 'webauthn');
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  const response = key.assert(started.body.options, answer);
  return agent.post(`${BASE}/confirm/verify`).send({ method: 'webauthn', response });
}

describe('passkeys in the settings', () => {
  it('sets up several named keys in a confirmed session, and lists them', async () => {
    const gw = await gateway();
    const agent = await confirmedSession(gw);
    const laptop = new SoftwareAuthenticator({ origin: ORIGIN });
    const added = await addKey(agent, laptop, '  Work   laptop ');
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body).toMatchObject({
      enrolled: true,
      credential: { method: 'webauthn', name: 'Work laptop', last_used_at: null },
    });
    gw.clock.advance(60_000);
    expect((await addKey(agent, new SoftwareAuthenticator({ origin: ORIGIN }))).body.credential.name).toBe(
      'Key 2',
    );

    const settings = await agent.get(`${BASE}/settings`);
    expect(settings.body.webauthn).toBe(true);
    expect(settings.body.credentials.map((c: { name: string }) => c.name)).toEqual(['Work laptop', 'Key 2']);
    // What is stored is a public key under its own id, never shown.
    expect(JSON.stringify(settings.body)).not.toContain(laptop.id);
    const history = await gw.store.queryHistory({ user: 'alice', limit: 10 });
    expect(history.filter((e) => e.method === 'webauthn').map((e) => e.detail)).toEqual([
      'enrolled by the user',
      'enrolled by the user',
    ]);
  });

  it('names the keys already set up, so the browser does not add one twice, and refuses it if it does', async () => {
    const gw = await gateway();
    const agent = await confirmedSession(gw);
    const key = new SoftwareAuthenticator({ origin: ORIGIN });
    await addKey(agent, key);
    const again = await agent.post(`${BASE}/settings/webauthn`).send({});
    expect(again.body.options.excludeCredentials).toEqual([
      { id: key.id, type: 'public-key', transports: ['internal'] },
    ]);
    const twice = await agent
      .post(`${BASE}/settings/webauthn`)
      .send({ response: key.register(again.body.options) });
    expect(twice.status).toBe(400);
    expect(twice.body.message).toBe('That passkey or security key could not be set up. Try again.');
    expect(await gw.store.listCredentials('alice', 'webauthn')).toHaveLength(1);
  });

  it('refuses a key set up for another site, or without the challenge it was given', async () => {
    const gw = await gateway();
    const agent = await confirmedSession(gw);
    const key = new SoftwareAuthenticator({ origin: ORIGIN });
    const begun = await agent.post(`${BASE}/settings/webauthn`).send({});
    const phished = key.register(begun.body.options, { origin: 'https://stepgate.example.net' });
    expect((await agent.post(`${BASE}/settings/webauthn`).send({ response: phished })).status).toBe(400);
    // The challenge is used up by that attempt: the right answer to it is refused too.
    const late = key.register(begun.body.options);
    expect((await agent.post(`${BASE}/settings/webauthn`).send({ response: late })).status).toBe(400);
    expect(await gw.store.listCredentials('alice')).toEqual([]);
  });

  it('needs a confirmed session', async () => {
    const gw = await gateway();
    const { agent } = await signIn(gw, 'alice');
    const res = await agent.post(`${BASE}/settings/webauthn`).send({});
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('confirmation_required');
  });

  it('lets the user remove one key by its id, the others staying', async () => {
    const gw = await gateway();
    const agent = await confirmedSession(gw);
    const first = (await addKey(agent, new SoftwareAuthenticator({ origin: ORIGIN }), 'phone')).body
      .credential;
    await addKey(agent, new SoftwareAuthenticator({ origin: ORIGIN }), 'key');
    const noId = await agent.post(`${BASE}/settings/webauthn`).send({ action: 'remove' });
    expect(noId.status).toBe(400);
    expect(noId.body.message).toBe('Choose the key to remove.');
    const removed = await agent
      .post(`${BASE}/settings/webauthn`)
      .send({ action: 'remove', credential: first.id });
    expect(removed.body).toEqual({ enrolled: true, removed: 1 });
    expect((await gw.store.listCredentials('alice')).map((c) => c.name)).toEqual(['key']);
  });
});

describe('confirming with a passkey', () => {
  it('offers it once set up, and confirms a sign-in with it', async () => {
    const gw = await gateway();
    const key = new SoftwareAuthenticator({ origin: ORIGIN });
    await addKey(await confirmedSession(gw), key, 'laptop');

    const { agent } = await signIn(gw, 'alice');
    expect(await offered(agent)).toEqual([
      { id: 'email', destination: 'a•••@example.com' },
      { id: 'webauthn' },
    ]);
    const started = await send(agent, 'webauthn');
    expect(started.body).toMatchObject({
      sent: true,
      options: { rpId: 'localhost', allowCredentials: [{ id: key.id, type: 'public-key' }] },
    });
    const done = await agent
      .post(`${BASE}/confirm/verify`)
      .send({ method: 'webauthn', response: key.assert(started.body.options) });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.next).toBe('done');
    const app = await agent.get('/app');
    expect(app.status).toBe(200);
    expect(app.body.headers['x-stepgate-confirmation']).toBe('webauthn');
    const [stored] = await gw.store.listCredentials('alice', 'webauthn');
    expect(stored?.lastUsedAt).toEqual(gw.clock.now());
    const history = await gw.store.queryHistory({ user: 'alice', limit: 3 });
    expect(history[0]).toMatchObject({ method: 'webauthn', status: 'Succeeded', triggeredBy: 'Always' });
  });

  it('refuses an answer made for another origin or relying party, and counts it as a failure', async () => {
    const gw = await gateway();
    const key = new SoftwareAuthenticator({ origin: ORIGIN });
    await addKey(await confirmedSession(gw), key);
    const { agent } = await signIn(gw, 'alice');
    for (const answer of [{ origin: 'https://stepgate-login.example.com' }, { rpId: 'example.com' }]) {
      const refused = await confirmWithKey(agent, key, answer);
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({
        error: 'invalid_code',
        message: 'Your passkey or security key could not be verified. Try again.',
      });
    }
    expect((await agent.get('/app')).status).toBe(401);
    const failures = (await gw.store.queryHistory({ user: 'alice', limit: 10 })).filter(
      (e) => e.status === 'FailedInvalidCode',
    );
    expect(failures.map((e) => e.method)).toEqual(['webauthn', 'webauthn']);
    // Its own origin still works.
    expect((await confirmWithKey(agent, key)).status).toBe(200);
  });

  it('uses each challenge once: a replayed answer is refused', async () => {
    const gw = await gateway();
    const key = new SoftwareAuthenticator({ origin: ORIGIN });
    await addKey(await confirmedSession(gw), key);
    const first = (await signIn(gw, 'alice')).agent;
    const started = await send(first, 'webauthn');
    const answer = key.assert(started.body.options);
    // Captured and sent from another session first: that session never asked for it.
    const thief = (await signIn(gw, 'alice')).agent;
    await send(thief, 'webauthn');
    const stolen = await thief.post(`${BASE}/confirm/verify`).send({ method: 'webauthn', response: answer });
    expect(stolen.status).toBe(400);
    expect(
      (await first.post(`${BASE}/confirm/verify`).send({ method: 'webauthn', response: answer })).status,
    ).toBe(200);
    const again = (await signIn(gw, 'alice')).agent;
    const replayed = await again
      .post(`${BASE}/confirm/verify`)
      .send({ method: 'webauthn', response: answer });
    expect(replayed.status).toBe(400);
    expect(replayed.body.message).toBe(
      'Your passkey was not asked for, or that was too long ago. Use it again.',
    );

    // Within one sign-in too: a refused answer uses its challenge up, so a right one to it comes too late.
    const own = (await signIn(gw, 'alice')).agent;
    const asked = await send(own, 'webauthn');
    const wrong = key.assert(asked.body.options, { origin: 'https://stepgate-login.example.com' });
    expect(
      (await own.post(`${BASE}/confirm/verify`).send({ method: 'webauthn', response: wrong })).status,
    ).toBe(400);
    const late = await own
      .post(`${BASE}/confirm/verify`)
      .send({ method: 'webauthn', response: key.assert(asked.body.options) });
    expect(late.status).toBe(400);
    expect(late.body.message).toBe('Your passkey was not asked for, or that was too long ago. Use it again.');
  });

  it('refuses a key whose signature counter goes back (a cloned key), and keeps the counter it reached', async () => {
    const gw = await gateway();
    const key = new SoftwareAuthenticator({ origin: ORIGIN }, { countsSignatures: true });
    await addKey(await confirmedSession(gw), key);
    expect((await confirmWithKey((await signIn(gw, 'alice')).agent, key)).status).toBe(200);
    expect((await gw.store.listCredentials('alice', 'webauthn'))[0]?.counter).toBe(2);
    key.counter = 0; // its clone, one signature behind
    const cloned = await confirmWithKey((await signIn(gw, 'alice')).agent, key);
    expect(cloned.status).toBe(400);
    expect((await gw.store.listCredentials('alice', 'webauthn'))[0]?.counter).toBe(2);
  });

  it('refuses a key the user does not hold, and one removed by the help desk', async () => {
    const gw = await gateway();
    const key = new SoftwareAuthenticator({ origin: ORIGIN });
    await addKey(await confirmedSession(gw), key, 'lost key');
    const stranger = new SoftwareAuthenticator({ origin: ORIGIN });
    const refused = await confirmWithKey((await signIn(gw, 'alice')).agent, stranger);
    expect(refused.body.message).toBe('That passkey or security key is not set up for your account.');

    const api = request(gw.app);
    const bearer = `Bearer ${HELPDESK_TOKEN}`;
    const path = `${BASE}/admin/v1/users/alice/credentials`;
    const listed = await api.get(path).set('Authorization', bearer);
    expect(listed.status).toBe(200);
    adminApi.check(listed);
    expect(listed.body.credentials).toMatchObject([{ method: 'webauthn', name: 'lost key' }]);
    const id = listed.body.credentials[0].id as string;
    const removed = await api.delete(`${path}/${id}`).set('Authorization', bearer);
    adminApi.check(removed);
    expect(removed.body).toMatchObject({ removed: { id, method: 'webauthn', name: 'lost key' } });
    const again = await api.delete(`${path}/${id}`).set('Authorization', bearer);
    adminApi.check(again);
    expect(again.status).toBe(404);
    const summary = await api.get(`${BASE}/admin/v1/users/alice`).set('Authorization', bearer);
    adminApi.check(summary);
    expect(summary.body).toMatchObject({ authenticator: false, credentials: [] });
    expect(again.body).toEqual({
      error: 'unknown_credential',
      message: `'alice' has no credential '${id}'.`,
    });
    const history = await gw.store.queryHistory({ user: 'alice', limit: 1 });
    expect(history[0]).toMatchObject({ method: 'admin:remove_credential' });
    expect(history[0]?.detail).toBe("removed webauthn 'lost key' — by token:helpdesk via api");

    const { agent } = await signIn(gw, 'alice');
    expect((await offered(agent)).map((m) => m.id)).toEqual(['email']);
    expect((await send(agent, 'webauthn')).body.error).toBe('invalid_method');
  });
});

describe('a rule that requires a passkey (then: confirm, methods: [webauthn])', () => {
  const POLICY = {
    version: 1,
    mobile_registration: { prompt: false },
    rules: [
      { name: 'help desk', when: { profile: 'Help Desk' }, then: 'confirm', methods: ['webauthn'] },
      { name: 'everyone else', then: 'confirm' },
    ],
  };

  it('offers only passkeys, and none at all to a user without one', async () => {
    const gw = await gateway(POLICY);
    const { agent } = await signIn(gw, 'helen');
    expect(await offered(agent)).toEqual([]);
    expect((await send(agent, 'email')).body.error).toBe('invalid_method');
    const page = await agent.get(`${BASE}/confirm`).set('Accept', 'text/html');
    expect(page.text).toContain('There is no way to confirm your identity on your account yet.');
    expect((await agent.get('/app')).status).toBe(401);
  });

  it('does not let a network remembered after another method pass the rule', async () => {
    const gw = await gateway(POLICY);
    const key = new SoftwareAuthenticator({ origin: ORIGIN });
    // helen's network was remembered after an email code, before the rule was written.
    await gw.store.rememberNetwork('helen', '127.0.0.1/32', 'email', gw.clock.now());
    const { agent, next } = await signIn(gw, 'helen');
    expect(next).toBe('confirm');
    // With a key (set up while the rule was not there yet), the key and only the key answers.
    await gw.store.saveCredential(key.credential('helen', gw.clock.now()));
    expect(await offered(agent)).toEqual([{ id: 'webauthn' }]);
    expect((await confirmWithKey(agent, key)).status).toBe(200);
    // The network is now remembered by a passkey: the next sign-in from it passes.
    expect((await signIn(gw, 'helen')).next).toBe('done');
    // For everyone else, the email code that remembered a network still counts.
    const alice = await confirmedSession(gw);
    void alice;
    expect((await signIn(gw, 'alice')).next).toBe('done');
  });
});

describe('passkeys through the sidecar API', () => {
  async function evaluate(gw: FlowGateway, extra: Record<string, unknown> = {}) {
    const res = await request(gw.app)
      .post('/_stepgate/sidecar/v1/evaluate')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({
        user: 'alice',
        login: 'direct',
        client_ip: '203.0.113.9',
        email: 'alice@example.com',
        ...extra,
      });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { transaction_id: string; methods: { id: string }[] };
  }

  it('offers passkeys only to an IdP that says it can present them, and confirms with one', async () => {
    const gw = await gateway();
    const key = new SoftwareAuthenticator({ origin: ORIGIN });
    await addKey(await confirmedSession(gw), key);

    expect((await evaluate(gw)).methods.map((m) => m.id)).toEqual(['email']);
    const tx = await evaluate(gw, { methods: ['webauthn', 'email'] });
    expect(tx.methods.map((m) => m.id)).toEqual(['email', 'webauthn']);
    const call = async (path: string, body: object) => {
      const url = `/_stepgate/sidecar/v1/transactions/${tx.transaction_id}${path}`;
      sidecarApi.checkRequest('post', url, body);
      const res = await request(gw.app).post(url).set('Authorization', `Bearer ${TOKEN}`).send(body);
      sidecarApi.check(res);
      return res;
    };
    const started = await call('/send', { method: 'webauthn' });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body).toMatchObject({ sent: true, decision: 'confirm', options: { rpId: 'localhost' } });
    const done = await call('/verify', { method: 'webauthn', response: key.assert(started.body.options) });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ decision: 'done', confirmation: 'webauthn' });
  });

  it('refuses a method it does not know in the list', async () => {
    const gw = await gateway();
    const res = await request(gw.app)
      .post('/_stepgate/sidecar/v1/evaluate')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({ user: 'alice', login: 'direct', client_ip: '203.0.113.9', methods: ['carrier-pigeon'] });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^The request is not valid: methods\.0: /);
  });
});

describe('the passkey scripts', () => {
  it('are served by stepgate itself, and nothing else under their path', async () => {
    const gw = await gateway();
    const agent = jsonAgent(gw);
    const bundle = await agent.get(`${BASE}/methods/webauthn/simplewebauthn-browser.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.type).toBe('text/javascript');
    expect(bundle.text).toContain('SimpleWebAuthnBrowser');
    const own = await agent.get(`${BASE}/methods/webauthn/webauthn.js`);
    expect(own.text).toContain("getElementById('webauthn-form')");
    for (const path of [
      '/methods/webauthn/constructor',
      '/methods/webauthn/..%2Fpackage.json',
      '/methods/sms/x.js',
    ]) {
      expect((await agent.get(`${BASE}${path}`)).status, path).toBe(404);
    }
  });
});
