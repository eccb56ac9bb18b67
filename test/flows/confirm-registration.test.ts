/** SPEC §1.4: the mobile registration prompt at sign-in — validation, proof by SMS, decline, reprompt. */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  BASE,
  DAY,
  FLOW_USERS,
  directUser,
  issueTemporaryCode,
  MINUTE,
  NEW_MOBILE,
  NO_PROMPT,
  confirmBy,
  flowGateway,
  lastCode,
  messagesTo,
  offered,
  send,
  signIn,
  signOut,
  wrongCode,
  type Agent,
} from '../helpers/flow.js';
import { TEST_PASSWORD } from '../helpers/gateway.js';
import { authenticatorCredential } from '../../gateway/factors/authenticator/index.js';

const US_GB_ONLY = { version: 1, methods: { sms: { allowed_countries: ['US', 'GB'] } } };

function submit(agent: Agent, phone: string) {
  return agent.post(`${BASE}/mobile`).send({ phone });
}

function prove(agent: Agent, code: string) {
  return agent.post(`${BASE}/mobile/verify`).send({ code });
}

function decline(agent: Agent) {
  return agent.post(`${BASE}/mobile/decline`).send({});
}

describe('mobile registration (SPEC §1.4)', () => {
  it('asks a user with no verified mobile for one right after sign-in', async () => {
    const gw = await flowGateway();
    const { agent, next, redirect } = await signIn(gw, 'alice');
    expect({ next, redirect }).toEqual({ next: 'register_mobile', redirect: '/_stepgate/mobile' });
    expect((await agent.get(`${BASE}/mobile`)).body).toEqual({ prompt: true, allow_decline: true });
    expect((await agent.get('/app')).status).toBe(401);
  });

  it.each([
    [
      'not a phone number',
      '12',
      'invalid_phone',
      'Enter a mobile number in international format, such as +1 201 555 0123.',
    ],
    [
      'a landline',
      '+44 20 7946 0000',
      'not_mobile',
      'That number is not a mobile number. Enter a number that can receive text messages.',
    ],
    [
      'from a country not allowed',
      '+33 6 12 34 56 78',
      'country_not_allowed',
      'Mobile numbers from FR are not accepted here. Allowed: US, GB.',
    ],
  ])('refuses a number that is %s, saying why', async (_what, phone, error, message) => {
    const gw = await flowGateway({ policy: US_GB_ONLY });
    const { agent } = await signIn(gw, 'alice');
    const res = await submit(agent, phone);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error, message });
    expect(gw.outbox()).toEqual([]);
  });

  it('proves the number with a code sent to it by SMS, then still asks for the challenge', async () => {
    const gw = await flowGateway({ policy: US_GB_ONLY });
    const { agent } = await signIn(gw, 'alice');
    const sent = await submit(agent, '+44 7400 123456');
    expect(sent.body).toEqual({ sent: true, destination: '+44 •••• ••••56' });
    expect(messagesTo(gw, 'sms', NEW_MOBILE)).toHaveLength(1);

    const res = await prove(agent, lastCode(gw, 'sms', NEW_MOBILE));
    expect(res.body).toEqual({ verified: true, next: 'confirm', redirect: '/_stepgate/confirm' });
    expect((await agent.get('/app')).status).toBe(401);
  });

  it('refuses a wrong registration code and says how many attempts are left', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'alice');
    await submit(agent, NEW_MOBILE);
    const res = await prove(agent, wrongCode(lastCode(gw, 'sms', NEW_MOBILE)));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_code',
      message: 'That code is not right. You have 2 attempts left with this code.',
      attempts_left: 2,
    });
    expect(await gw.store.getMobile('alice')).toBeUndefined();
  });

  it('lets a registration code work for 15 minutes only', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'alice');
    await submit(agent, NEW_MOBILE);
    const stale = lastCode(gw, 'sms', NEW_MOBILE);
    gw.clock.advance(15 * MINUTE + 1);
    const late = await prove(agent, stale);
    expect(late.status).toBe(400);
    expect(late.body.error).toBe('invalid_code');

    await submit(agent, NEW_MOBILE);
    gw.clock.advance(15 * MINUTE - 1);
    expect((await prove(agent, lastCode(gw, 'sms', NEW_MOBILE))).body.verified).toBe(true);
  });

  it('voids a registration code after 3 wrong attempts', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'alice');
    await submit(agent, NEW_MOBILE);
    const code = lastCode(gw, 'sms', NEW_MOBILE);
    const left = [];
    for (let i = 0; i < 3; i++) left.push((await prove(agent, wrongCode(code))).body.attempts_left);
    expect(left).toEqual([2, 1, 0]);
    const res = await prove(agent, code);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_code');
    expect(await gw.store.getMobile('alice')).toBeUndefined();
  });

  it('emails the user that a new number was registered', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'alice');
    await submit(agent, NEW_MOBILE);
    await prove(agent, lastCode(gw, 'sms', NEW_MOBILE));
    const notices = messagesTo(gw, 'email', 'alice@example.com');
    expect(notices).toHaveLength(1);
    expect(notices[0]?.subject).toBe('A new mobile number was registered');
    expect(notices[0]?.body).toContain('+44 •••• ••••56');
  });

  it('does not let a number registered in this sign-in confirm it: email does, SMS works next time', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'alice');
    await submit(agent, NEW_MOBILE);
    await prove(agent, lastCode(gw, 'sms', NEW_MOBILE));

    expect(await offered(agent)).toEqual([{ id: 'email', destination: 'a•••@example.com' }]);
    const sms = await send(agent, 'sms');
    expect(sms.status).toBe(400);
    expect(sms.body.error).toBe('invalid_method');
    expect(messagesTo(gw, 'sms', NEW_MOBILE)).toHaveLength(1);
    await confirmBy(gw, agent, 'email', 'alice@example.com');
    await signOut(agent);

    await gw.store.revokeRememberedNetworks('alice');
    const later = await signIn(gw, 'alice');
    expect(later.next).toBe('confirm');
    expect(await offered(later.agent)).toEqual([{ id: 'sms', destination: '+44 •••• ••••56' }]);
    await confirmBy(gw, later.agent, 'sms', NEW_MOBILE);
  });

  it('does not let that number confirm a second sign-in started before the first was confirmed', async () => {
    const gw = await flowGateway();
    const first = await signIn(gw, 'alice');
    await submit(first.agent, NEW_MOBILE);
    await prove(first.agent, lastCode(gw, 'sms', NEW_MOBILE));

    // Someone holding only the password signs in again beside the unconfirmed sign-in.
    const second = await signIn(gw, 'alice');
    expect(second.next).toBe('register_mobile');
    await decline(second.agent);
    expect(await offered(second.agent)).toEqual([{ id: 'email', destination: 'a•••@example.com' }]);
    expect((await send(second.agent, 'sms')).status).toBe(400);
    expect(messagesTo(gw, 'sms', NEW_MOBILE)).toHaveLength(1);

    // Once the sign-in that registered it is confirmed, the number counts.
    await confirmBy(gw, first.agent, 'email', 'alice@example.com');
    await gw.store.revokeRememberedNetworks('alice');
    const third = await signIn(gw, 'alice');
    expect(third.next).toBe('confirm');
    expect(await offered(third.agent)).toEqual([{ id: 'sms', destination: '+44 •••• ••••56' }]);
  });

  it('counts a number registered where no challenge is due at once', async () => {
    const gw = await flowGateway({
      policy: { version: 1, identity_confirmation: { trusted_networks: ['127.0.0.0/8'] } },
    });
    const { agent, next } = await signIn(gw, 'alice');
    expect(next).toBe('register_mobile');
    await submit(agent, NEW_MOBILE);
    const res = await prove(agent, lastCode(gw, 'sms', NEW_MOBILE));
    expect(res.body).toEqual({ verified: true, next: 'done', redirect: '/' });
    expect((await agent.get(`${BASE}/settings`)).body.mobile).toBe('+44 •••• ••••56');
  });

  it('lets the user decline and continue with email, and does not ask again', async () => {
    const gw = await flowGateway();
    const { agent } = await signIn(gw, 'alice');
    const declined = await decline(agent);
    expect(declined.body).toEqual({ next: 'confirm', redirect: '/_stepgate/confirm' });
    expect(await offered(agent)).toEqual([{ id: 'email', destination: 'a•••@example.com' }]);
    await confirmBy(gw, agent, 'email', 'alice@example.com');
    await signOut(agent);

    gw.clock.advance(365 * DAY);
    await gw.store.revokeRememberedNetworks('alice');
    expect((await signIn(gw, 'alice')).next).toBe('confirm');
  });

  it('asks again once reprompt_after has passed since the user declined', async () => {
    const gw = await flowGateway({ policy: { version: 1, mobile_registration: { reprompt_after: '30d' } } });
    const { agent } = await signIn(gw, 'alice');
    await decline(agent);
    await signOut(agent);

    gw.clock.advance(30 * DAY - MINUTE);
    const within = await signIn(gw, 'alice');
    expect(within.next).toBe('confirm');
    await signOut(within.agent);

    gw.clock.advance(MINUTE);
    expect((await signIn(gw, 'alice')).next).toBe('register_mobile');
  });

  it('refuses to let the user decline when the policy requires a number', async () => {
    const gw = await flowGateway({ policy: { version: 1, mobile_registration: { allow_decline: false } } });
    const { agent } = await signIn(gw, 'alice');
    expect((await agent.get(`${BASE}/mobile`)).body).toEqual({ prompt: true, allow_decline: false });
    const res = await decline(agent);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: 'decline_not_allowed',
      message: 'Your organisation requires a mobile number on your account.',
    });
    expect(await gw.store.getRegistrationDecline('alice')).toBeUndefined();
    expect((await agent.get(`${BASE}/confirm`)).body.next).toBe('register_mobile');
  });

  it('never prompts a user whose mobile is in the users file', async () => {
    const gw = await flowGateway();
    expect((await signIn(gw, 'bob')).next).toBe('confirm');
  });

  it('never prompts when the policy turns the prompt off', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT });
    const { agent, next } = await signIn(gw, 'alice');
    expect(next).toBe('confirm');
    expect(await offered(agent)).toEqual([{ id: 'email', destination: 'a•••@example.com' }]);
  });
});

describe('declining the prompt leaves a way forward', () => {
  const NO_WAY_FORWARD =
    'Add a mobile number to continue: your account has no email address or authenticator app to confirm it is you.';
  const users = { ...FLOW_USERS, nomail: directUser() };

  it('is not offered to a user with no email and no mobile, on the page or in JSON', async () => {
    const gw = await flowGateway({ users });
    const { agent, next } = await signIn(gw, 'nomail');
    expect(next).toBe('register_mobile');
    expect((await agent.get(`${BASE}/mobile`)).body).toEqual({ prompt: true, allow_decline: false });

    const browser = request.agent(gw.app);
    await browser.post(`${BASE}/login`).send({ username: 'nomail', password: TEST_PASSWORD });
    const page = await browser.get(`${BASE}/mobile`).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(`action="${BASE}/mobile/decline"`);
    expect(page.text).not.toContain('continue with');
    expect(page.text).toContain(NO_WAY_FORWARD);
  });

  it('refuses a forged decline with a clear error, and keeps asking for the number', async () => {
    const gw = await flowGateway({ users });
    const { agent } = await signIn(gw, 'nomail');
    const res = await decline(agent);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'decline_not_allowed', message: NO_WAY_FORWARD });
    expect(await gw.store.getRegistrationDecline('nomail')).toBeUndefined();
    expect((await agent.get(`${BASE}/confirm`)).body.next).toBe('register_mobile');
    expect((await agent.get('/app')).status).toBe(401);
  });

  it('is not offered when email is switched off, even to a user with an address', async () => {
    const gw = await flowGateway({ policy: { version: 1, methods: { email: { enabled: false } } } });
    const { agent } = await signIn(gw, 'alice');
    expect((await agent.get(`${BASE}/mobile`)).body).toEqual({ prompt: true, allow_decline: false });
    expect((await decline(agent)).status).toBe(403);
  });

  it('does not count a temporary code, which expires, as a way forward', async () => {
    const gw = await flowGateway({ users });
    await issueTemporaryCode(gw, 'nomail');
    const { agent } = await signIn(gw, 'nomail');
    expect((await agent.get(`${BASE}/mobile`)).body.allow_decline).toBe(false);
    expect((await decline(agent)).status).toBe(403);
  });

  it('is offered to a user with an authenticator app, who then confirms with it', async () => {
    const gw = await flowGateway({ users });
    await gw.store.saveCredential(
      authenticatorCredential({
        user: 'nomail',
        secret: 'JBSWY3DPEHPK3PXP',
        createdAt: gw.clock.now(),
        lastUsedStep: null,
      }),
    );
    const { agent } = await signIn(gw, 'nomail');
    expect((await agent.get(`${BASE}/mobile`)).body.allow_decline).toBe(true);

    const browser = request.agent(gw.app);
    await browser.post(`${BASE}/login`).send({ username: 'nomail', password: TEST_PASSWORD });
    const page = await browser.get(`${BASE}/mobile`).set('Accept', 'text/html');
    expect(page.text).toContain('Not now — continue with my authenticator app');

    expect((await decline(agent)).body).toEqual({ next: 'confirm', redirect: '/_stepgate/confirm' });
    expect(await offered(agent)).toEqual([{ id: 'authenticator' }]);
  });
});
