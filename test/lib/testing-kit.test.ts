/**
 * stepgate/testing (lib/testing/): the outbox that waits for codes, the clock, signIn through
 * the JSON API with its refusals, the authenticator helpers and the SAML identity provider.
 */
import { X509Certificate } from 'node:crypto';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createStepgate, type Stepgate } from '../../lib/index.js';
import {
  TestClock,
  TestOutbox,
  UnexpectedAnswerError,
  authenticatorCode,
  enrollAuthenticator,
  signIn,
  silentLogger,
  testConfig,
  testIdentityProvider,
  totpCode,
} from '../../lib/testing/index.js';
import { TEST_HASH, TEST_PASSWORD } from '../helpers/gateway.js';
import { startEchoUpstream } from '../helpers/upstream.js';

const ALICE = { username: 'alice', password: TEST_PASSWORD, email: 'alice@example.com' };
const NO_PROMPT = { version: 1, mobile_registration: { prompt: false } } as const;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function gateway(
  options: { policy?: object; logins?: object } = {},
): Promise<{ stepgate: Stepgate; clock: TestClock; outbox: TestOutbox }> {
  const echo = await startEchoUpstream();
  cleanups.push(() => echo.close());
  const clock = new TestClock();
  const outbox = new TestOutbox(clock);
  const stepgate = await createStepgate(testConfig({ upstream: { url: echo.url }, logins: options.logins }), {
    users: { alice: { password_hash: TEST_HASH, email: ALICE.email } },
    policy: (options.policy ?? NO_PROMPT) as never,
    clock,
    sms: outbox,
    email: outbox,
    logger: silentLogger,
  });
  cleanups.push(() => stepgate.close());
  return { stepgate, clock, outbox };
}

describe('TestOutbox', () => {
  const sms = (outbox: TestOutbox, body: string) => outbox.sendSms({ to: '+14155550123', body });

  it('waits for a code that has not been sent yet', async () => {
    const outbox = new TestOutbox();
    const waiting = outbox.nextCode({ to: '+14155550123', channel: 'sms' });
    setTimeout(() => void sms(outbox, '123456 is your verification code.'), 20);
    await expect(waiting).resolves.toBe('123456');
  });

  it('gives the newest unread code, passes over older ones and notices, then waits for a new one', async () => {
    const outbox = new TestOutbox();
    await sms(outbox, '111111 is your verification code.');
    await sms(outbox, '222222 is your verification code.');
    await outbox.sendEmail({ to: 'a@example.com', subject: 'code', text: '999999 is your code.' });
    await sms(outbox, 'The mobile number +1 415 555 0123 was just registered, at 2026-01-15T09:00:00Z.');
    expect(await outbox.nextCode({ to: '+14155550123' })).toBe('222222');
    await expect(outbox.nextCode({ to: '+14155550123', channel: 'sms', timeoutMs: 50 })).rejects.toThrow(
      'outbox: no code by sms to +14155550123 arrived within 50 ms; the outbox holds ' +
        'sms to +14155550123 (read), sms to +14155550123 (read), email to a@example.com, sms to +14155550123',
    );
    expect((await outbox.nextMessage({ to: '+14155550123' })).body).toMatch(/^The mobile number/);
  });

  it('stamps messages with the clock it is given', async () => {
    const clock = new TestClock(Date.parse('2030-05-01T12:00:00Z'));
    const outbox = new TestOutbox(clock);
    await sms(outbox, '123456 is your verification code.');
    expect(outbox.to('+14155550123', 'sms')).toEqual([
      {
        time: '2030-05-01T12:00:00.000Z',
        channel: 'sms',
        to: '+14155550123',
        body: '123456 is your verification code.',
      },
    ]);
  });
});

describe('TestClock', () => {
  it('moves by durations written as stepgate.yaml writes them, or by milliseconds', () => {
    const clock = new TestClock(0);
    clock.advance('61m');
    clock.advance(500);
    expect(clock.now().getTime()).toBe(61 * 60_000 + 500);
    expect(() => clock.advance('an hour')).toThrow(
      `clock: a duration must be like '61m' (s, m, h or d) or a number of milliseconds but it is "an hour"`,
    );
  });
});

describe('signIn', () => {
  it('registers a mobile at the prompt with the SMS code, then confirms by email', async () => {
    const { stepgate, outbox } = await gateway({ policy: { version: 1 } });
    const agent = request.agent(stepgate.app);
    const result = await signIn(agent, ALICE, {
      confirmWith: 'email',
      outbox,
      mobile: { register: '+447400123456' },
    });
    expect(result).toEqual({
      redirect: '/',
      stages: ['login', 'register_mobile', 'confirm'],
      confirmedWith: 'email',
    });
    expect(outbox.to('+447400123456', 'sms')).toHaveLength(1);
  });

  it("stops at stepgate's refusal, naming the step and stepgate's error", async () => {
    const { stepgate, outbox } = await gateway();
    const wrong = signIn(request.agent(stepgate.app), { ...ALICE, password: 'not it' }, { outbox });
    await expect(wrong).rejects.toThrow(UnexpectedAnswerError);
    await expect(wrong).rejects.toThrow(
      'signIn(alice): POST /_stepgate/login answered 401 invalid_credentials: The username or password is incorrect.',
    );
    await expect(wrong).rejects.toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
  });

  it('says what was offered when no answer fits the challenge', async () => {
    const { stepgate, outbox } = await gateway();
    await expect(signIn(request.agent(stepgate.app), ALICE, { outbox })).rejects.toThrow(
      'signIn(alice): a challenge came (offered: email) but no confirmWith was given',
    );
    await expect(signIn(request.agent(stepgate.app), ALICE, { confirmWith: 'sms', outbox })).rejects.toThrow(
      "signIn(alice): 'sms' is not offered to alice (offered: email)",
    );
    await expect(signIn(request.agent(stepgate.app), ALICE, { confirmWith: 'email' })).rejects.toThrow(
      'signIn(alice): confirming by email needs options.outbox, where the email code arrives',
    );
  });
});

describe('authenticator codes', () => {
  it('gives the current code of an authenticator enrolled through the API, once per 30-second step', async () => {
    const everySignIn = {
      version: 1,
      mobile_registration: { prompt: false },
      rules: [{ name: 'all', then: 'confirm_always' }],
    };
    const { stepgate, outbox, clock } = await gateway({ policy: everySignIn });
    expect(() => authenticatorCode(stepgate, 'alice')).toThrow(
      'authenticatorCode: no authenticator was enrolled for alice with enrollAuthenticator on this gateway',
    );
    const agent = request.agent(stepgate.app);
    await signIn(agent, ALICE, { confirmWith: 'email', outbox });
    const secret = await enrollAuthenticator(agent, stepgate);
    expect(() => authenticatorCode(stepgate, 'Alice')).toThrow(
      "authenticatorCode: the code of this 30-second step was already used for Alice; advance the clock by '30s'",
    );
    clock.advance('30s');
    const code = authenticatorCode(stepgate, 'alice');
    expect(code).toBe(totpCode(secret, clock.now()));
    const result = await signIn(request.agent(stepgate.app), ALICE, {
      confirmWith: { method: 'authenticator', code },
    });
    expect(result.confirmedWith).toBe('authenticator');
  });
});

describe('testIdentityProvider', () => {
  it('has a key of its own: stepgate trusts the one it is configured with and refuses another', async () => {
    const [idp, stranger] = await Promise.all([testIdentityProvider(), testIdentityProvider()]);
    const [mine, theirs] = [idp, stranger].map((each) => new X509Certificate(each.certificate));
    expect(mine?.verify(mine.publicKey)).toBe(true);
    expect(mine?.verify(theirs!.publicKey)).toBe(false);
    const { stepgate } = await gateway({ logins: { saml: idp.settings() } });
    const user = { nameId: 'ada@example.org', email: 'ada@example.org', groups: ['engineering'] };
    expect(await idp.signIn(request.agent(stepgate.app), user)).toEqual({ next: 'done', redirect: '/' });

    const refused = stranger.signIn(request.agent(stepgate.app), user);
    await expect(refused).rejects.toThrow(UnexpectedAnswerError);
    await expect(refused).rejects.toMatchObject({ status: 401 });
  });
});
