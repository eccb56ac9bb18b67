/**
 * An Express app protected by stepgate, tested with supertest (docs/testing.md): each way of
 * signing in, the SMS limit crossed with the clock, a lockout, and a help desk's temporary code.
 * The same scenarios with Node's own test runner are in app.node-test.ts.
 */
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  UnexpectedAnswerError,
  authenticatorCode,
  enrollAuthenticator,
  signIn,
  testIdentityProvider,
  type TestIdentityProvider,
} from 'stepgate/testing';
// The repository's own OpenLDAP for the tests; an application's tests would reach their directory.
import { DIRECTORY_PASSWORD, MIRA_MOBILE, PEOPLE_DIRECTORY } from '../../test/fixtures/ldap/people.js';
import { startSlapd, type Slapd } from '../../test/helpers/slapd.js';
import { ALICE, BOB, HELPDESK_TOKEN, startProtectedApp, type ProtectedApp } from './protected.js';

const RATE_LIMITED =
  'Unable to send you a verification code at this time. You may have attempted too many verifications in the last hour. Try again later.';
const LOCKED = "You've exceeded the allowed number of attempts. Try again later.";

let running: ProtectedApp | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function start(options: Parameters<typeof startProtectedApp>[0] = {}): Promise<ProtectedApp> {
  running = await startProtectedApp(options);
  return running;
}

describe('signing in directly', () => {
  it('keeps the app closed until alice confirms by email, then forwards her as herself', async () => {
    const { stepgate, outbox } = await start();
    const agent = request.agent(stepgate.app);
    expect((await agent.get('/api/whoami').set('Accept', 'application/json')).status).toBe(401);

    const result = await signIn(agent, ALICE, { confirmWith: 'email', outbox });
    expect(result).toEqual({ redirect: '/', stages: ['login', 'confirm'], confirmedWith: 'email' });

    const whoami = await agent.get('/api/whoami');
    expect(whoami.body).toEqual({
      user: 'alice',
      email: 'alice@example.com',
      login: 'direct',
      confirmation: 'email',
    });
  });

  it('confirms with an authenticator app once alice has enrolled one', async () => {
    const everySignIn = [{ name: 'every sign-in', then: 'confirm_always' as const }];
    const { stepgate, outbox, clock } = await start({
      policy: { version: 1, mobile_registration: { prompt: false }, rules: everySignIn },
    });
    const first = request.agent(stepgate.app);
    await signIn(first, ALICE, { confirmWith: 'email', outbox });
    await enrollAuthenticator(first, stepgate);

    clock.advance('30s'); // each code is accepted once: the next one comes with the next 30 s
    const second = request.agent(stepgate.app);
    const code = authenticatorCode(stepgate, 'alice');
    await signIn(second, ALICE, { confirmWith: { method: 'authenticator', code } });
    expect((await second.get('/api/whoami')).body.confirmation).toBe('authenticator');
  });
});

describe('signing in through LDAP', () => {
  let slapd: Slapd;
  beforeAll(async () => {
    slapd = await startSlapd();
  });
  afterAll(() => slapd?.stop());

  it('challenges a directory user by SMS to the mobile the directory holds', async () => {
    const { stepgate, outbox } = await start({
      logins: {
        delegated: {
          ldap: {
            url: slapd.url,
            bind_dn: PEOPLE_DIRECTORY.readerDn,
            bind_password: PEOPLE_DIRECTORY.readerPassword,
            base_dn: PEOPLE_DIRECTORY.baseDn,
          },
        },
      },
    });
    const agent = request.agent(stepgate.app);
    const mira = { username: 'mira', password: DIRECTORY_PASSWORD, mobile: MIRA_MOBILE };
    await signIn(agent, mira, { confirmWith: 'sms', outbox });
    expect((await agent.get('/api/whoami')).body).toMatchObject({ user: 'mira', login: 'delegated' });
  });
});

describe('signing in through SAML', () => {
  let idp: TestIdentityProvider;
  beforeAll(async () => {
    idp = await testIdentityProvider();
  });

  it('lets a federated user in without a challenge, with the attributes the IdP asserted', async () => {
    const { stepgate, outbox } = await start({ logins: { saml: idp.settings() } });
    const agent = request.agent(stepgate.app);
    const answer = await idp.signIn(agent, { nameId: 'ada@example.org', email: 'ada@example.org' });
    expect(answer.next).toBe('done');
    expect((await agent.get('/api/whoami')).body).toMatchObject({
      user: 'ada@example.org',
      email: 'ada@example.org',
      login: 'saml',
    });
    expect(outbox.messages).toEqual([]);
  });
});

describe('the SMS limit', () => {
  it('refuses the sixth SMS in an hour, and sends again once the hour has passed', async () => {
    const { stepgate, clock } = await start();
    const agent = request.agent(stepgate.app).set('Accept', 'application/json');
    await agent.post('/_stepgate/login').send({ username: BOB.username, password: BOB.password });
    for (let sent = 0; sent < 5; sent += 1) {
      expect((await agent.post('/_stepgate/confirm/send').send({ method: 'sms' })).status).toBe(200);
    }
    const sixth = await agent.post('/_stepgate/confirm/send').send({ method: 'sms' });
    expect(sixth.status).toBe(429);
    expect(sixth.body).toMatchObject({ error: 'rate_limited', message: RATE_LIMITED });

    clock.advance('61m');
    expect((await agent.post('/_stepgate/confirm/send').send({ method: 'sms' })).status).toBe(200);
  });
});

describe('the lockout', () => {
  it('locks alice out after ten wrong codes, for an hour', async () => {
    const { stepgate, outbox, clock } = await start();
    const agent = request.agent(stepgate.app).set('Accept', 'application/json');
    await agent.post('/_stepgate/login').send({ username: ALICE.username, password: ALICE.password });
    let last: request.Response | undefined;
    for (let attempt = 0; attempt < 10; attempt += 1) {
      // A code is void after five wrong answers; a new one does not reset the count.
      if (attempt % 4 === 0) await agent.post('/_stepgate/confirm/send').send({ method: 'email' });
      last = await agent.post('/_stepgate/confirm/verify').send({ method: 'email', code: '000000' });
    }
    expect(last?.status).toBe(423);
    expect(last?.body).toMatchObject({ error: 'locked', message: LOCKED });
    const locked = signIn(request.agent(stepgate.app), ALICE, { confirmWith: 'email', outbox });
    await expect(locked).rejects.toThrow(UnexpectedAnswerError);
    await expect(locked).rejects.toMatchObject({ status: 423 });

    clock.advance('61m');
    await signIn(request.agent(stepgate.app), ALICE, { confirmWith: 'email', outbox });
  });
});

describe("a help desk's temporary code", () => {
  it('lets bob in without his phone, with the code the help desk read to him', async () => {
    const { stepgate, outbox } = await start();
    const issued = await request(stepgate.app)
      .post('/_stepgate/admin/v1/users/bob/temporary-code')
      .set('Authorization', `Bearer ${HELPDESK_TOKEN}`)
      .send({ hours: 2 });
    expect(issued.status).toBe(201);
    expect(outbox.to(BOB.email, 'email')[0]?.subject).toBe(
      'A temporary verification code was issued for you',
    );

    const agent = request.agent(stepgate.app);
    const code = issued.body.code as string;
    await signIn(agent, BOB, { confirmWith: { method: 'temporary_code', code } });
    expect((await agent.get('/api/whoami')).body.confirmation).toBe('temporary_code');
  });
});
