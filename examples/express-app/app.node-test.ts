/**
 * The scenarios of app.test.ts with Node's own test runner and assert, to show that nothing in
 * stepgate's kit depends on Vitest. Run with: node --import tsx --test examples/express-app/app.node-test.ts
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import request from 'supertest';
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
    assert.equal((await agent.get('/api/whoami').set('Accept', 'application/json')).status, 401);

    const result = await signIn(agent, ALICE, { confirmWith: 'email', outbox });
    assert.deepEqual(result, { redirect: '/', stages: ['login', 'confirm'], confirmedWith: 'email' });
    assert.deepEqual((await agent.get('/api/whoami')).body, {
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

    clock.advance('30s');
    const second = request.agent(stepgate.app);
    const code = authenticatorCode(stepgate, 'alice');
    await signIn(second, ALICE, { confirmWith: { method: 'authenticator', code } });
    assert.equal((await second.get('/api/whoami')).body.confirmation, 'authenticator');
  });
});

describe('signing in through LDAP', () => {
  let slapd: Slapd;
  before(async () => {
    slapd = await startSlapd();
  });
  after(() => slapd?.stop());

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
    await signIn(
      agent,
      { username: 'mira', password: DIRECTORY_PASSWORD, mobile: MIRA_MOBILE },
      {
        confirmWith: 'sms',
        outbox,
      },
    );
    const whoami = (await agent.get('/api/whoami')).body;
    assert.equal(whoami.user, 'mira');
    assert.equal(whoami.login, 'delegated');
  });
});

describe('signing in through SAML', () => {
  let idp: TestIdentityProvider;
  before(async () => {
    idp = await testIdentityProvider();
  });

  it('lets a federated user in without a challenge, with the attributes the IdP asserted', async () => {
    const { stepgate, outbox } = await start({ logins: { saml: idp.settings() } });
    const agent = request.agent(stepgate.app);
    const answer = await idp.signIn(agent, { nameId: 'ada@example.org', email: 'ada@example.org' });
    assert.equal(answer.next, 'done');
    const whoami = (await agent.get('/api/whoami')).body;
    assert.equal(whoami.user, 'ada@example.org');
    assert.equal(whoami.login, 'saml');
    assert.deepEqual(outbox.messages, []);
  });
});

describe('the SMS limit', () => {
  it('refuses the sixth SMS in an hour, and sends again once the hour has passed', async () => {
    const { stepgate, clock } = await start();
    const agent = request.agent(stepgate.app).set('Accept', 'application/json');
    await agent.post('/_stepgate/login').send({ username: BOB.username, password: BOB.password });
    for (let sent = 0; sent < 5; sent += 1) {
      assert.equal((await agent.post('/_stepgate/confirm/send').send({ method: 'sms' })).status, 200);
    }
    const sixth = await agent.post('/_stepgate/confirm/send').send({ method: 'sms' });
    assert.equal(sixth.status, 429);
    assert.equal(sixth.body.error, 'rate_limited');
    assert.equal(sixth.body.message, RATE_LIMITED);

    clock.advance('61m');
    assert.equal((await agent.post('/_stepgate/confirm/send').send({ method: 'sms' })).status, 200);
  });
});

describe('the lockout', () => {
  it('locks alice out after ten wrong codes, for an hour', async () => {
    const { stepgate, outbox, clock } = await start();
    const agent = request.agent(stepgate.app).set('Accept', 'application/json');
    await agent.post('/_stepgate/login').send({ username: ALICE.username, password: ALICE.password });
    let last: request.Response | undefined;
    for (let attempt = 0; attempt < 10; attempt += 1) {
      if (attempt % 4 === 0) await agent.post('/_stepgate/confirm/send').send({ method: 'email' });
      last = await agent.post('/_stepgate/confirm/verify').send({ method: 'email', code: '000000' });
    }
    assert.equal(last?.status, 423);
    assert.equal(last?.body.message, LOCKED);
    await assert.rejects(
      signIn(request.agent(stepgate.app), ALICE, { confirmWith: 'email', outbox }),
      (error) => {
        assert.ok(error instanceof UnexpectedAnswerError);
        assert.equal(error.status, 423);
        return true;
      },
    );

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
    assert.equal(issued.status, 201);
    assert.equal(
      outbox.to(BOB.email, 'email')[0]?.subject,
      'A temporary verification code was issued for you',
    );

    const agent = request.agent(stepgate.app);
    await signIn(agent, BOB, { confirmWith: { method: 'temporary_code', code: issued.body.code } });
    assert.equal((await agent.get('/api/whoami')).body.confirmation, 'temporary_code');
  });
});
