/**
 * When a code cannot be delivered. A provider failing for now answers 503 and leaves the challenge
 * open, so the same method works once the provider recovers, or another offered method works at
 * once. A number the provider says cannot receive texts answers 400 with a sentence the person can
 * act on. SMS go through TwilioSms and the official client to a local stand-in of Twilio's API.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { TwilioSms } from '../../adapters/twilio/sms.js';
import { silentLogger } from '../../bin/logger.js';
import { DeliveryError, type EmailMessage, type EmailSender } from '../../gateway/ports.js';
import {
  BASE,
  BOB_MOBILE,
  NEW_MOBILE,
  NO_PROMPT,
  csrfTokenOf,
  flowGateway,
  lastCode,
  offered,
  send,
  signIn,
  verify,
  type Agent,
} from '../helpers/flow.js';
import {
  STANDIN_ACCOUNT_SID,
  STANDIN_AUTH_TOKEN,
  STANDIN_FROM,
  startTwilioStandin,
  type TwilioStandin,
} from '../helpers/twilio-standin.js';

const DELIVERY_FAILED = {
  error: 'delivery_failed',
  message: 'We could not send the code just now. Try again in a moment, or choose another way to confirm.',
};
const CANNOT_TEXT = {
  error: 'invalid_phone',
  message: 'That number cannot receive text messages. Check it or register another.',
};
const CAROL_MOBILE = '+12015550199';

/** A stand-in for Twilio's API, closed when the test ends, and a TwilioSms that reaches it. */
async function twilioStandin(): Promise<{ standin: TwilioStandin; sms: TwilioSms }> {
  const standin = await startTwilioStandin();
  onTestFinished(() => standin.close());
  const config = {
    account_sid: STANDIN_ACCOUNT_SID,
    auth_token: STANDIN_AUTH_TOKEN,
    from: STANDIN_FROM,
    max_attempts: 3,
  };
  const sms = new TwilioSms(config, { logger: silentLogger, baseUrl: standin.url, sleep: async () => {} });
  return { standin, sms };
}

/** The code in the newest text Twilio accepted for `to`. */
function textedCode(standin: TwilioStandin, to: string): string {
  const accepted = standin.requests.filter((request) => request.to === to && request.answered === 201);
  const code = /\d+/.exec(accepted.at(-1)?.body ?? '')?.[0];
  if (code === undefined) throw new Error(`no text reached ${to}`);
  return code;
}

/** An email provider that fails (for now) while `down`, and otherwise keeps what it is given. */
class SwitchableEmail implements EmailSender {
  down = true;
  readonly sent: EmailMessage[] = [];

  async sendEmail(message: EmailMessage): Promise<void> {
    if (this.down) throw DeliveryError.transient(new Error('connect ECONNREFUSED'));
    this.sent.push(message);
  }
}

function failTwilio(standin: TwilioStandin): void {
  standin.reply({ status: 500 }, { status: 500 }, { status: 500 });
}

async function expectConfirmed(agent: Agent, method: string, code: string): Promise<void> {
  const res = await verify(agent, method, code);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.next).toBe('done');
  expect((await agent.get('/app')).status).toBe(200);
}

describe('delivery failures', () => {
  it('answers 503 while Twilio fails and keeps the challenge, so SMS works once Twilio recovers', async () => {
    const { standin, sms } = await twilioStandin();
    const gw = await flowGateway({ sms });
    const { agent } = await signIn(gw, 'bob');
    failTwilio(standin);

    const failed = await send(agent, 'sms');
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual(DELIVERY_FAILED);
    expect(standin.requests).toHaveLength(3);
    expect((await agent.get('/app')).status).toBe(401);
    expect((await offered(agent)).map((method) => method.id)).toContain('sms');

    const retried = await send(agent, 'sms');
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toEqual({ sent: true, destination: '+1 ••• ••• ••23' });
    await expectConfirmed(agent, 'sms', textedCode(standin, BOB_MOBILE));
  });

  it('lets a user offered email confirm by email while SMS cannot be sent', async () => {
    const { standin, sms } = await twilioStandin();
    const gw = await flowGateway({ sms });
    const { agent } = await signIn(gw, 'carol');
    failTwilio(standin);

    expect((await send(agent, 'sms')).body).toEqual(DELIVERY_FAILED);
    const byEmail = await send(agent, 'email');
    expect(byEmail.status, JSON.stringify(byEmail.body)).toBe(200);
    await expectConfirmed(agent, 'email', lastCode(gw, 'email', 'carol@example.com'));
    expect(standin.requests.filter((request) => request.to === CAROL_MOBILE)).toHaveLength(3);
  });

  it('answers 503 while email fails and sends the code by email once it works again', async () => {
    const email = new SwitchableEmail();
    const gw = await flowGateway({ email, policy: NO_PROMPT });
    const { agent, next } = await signIn(gw, 'alice');
    expect(next).toBe('confirm');

    const failed = await send(agent, 'email');
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual(DELIVERY_FAILED);

    email.down = false;
    expect((await send(agent, 'email')).status).toBe(200);
    const code = /\d+/.exec(email.sent.at(-1)?.text ?? '')?.[0] ?? 'none';
    await expectConfirmed(agent, 'email', code);
  });

  it('shows a browser the challenge again with the message, its methods still there', async () => {
    const { standin, sms } = await twilioStandin();
    const gw = await flowGateway({ sms });
    const { agent } = await signIn(gw, 'carol');
    failTwilio(standin);
    const challenge = await agent.get(`${BASE}/confirm`).set('Accept', 'text/html');
    const res = await agent
      .post(`${BASE}/confirm/send`)
      .set('Accept', 'text/html')
      .type('form')
      .send({ method: 'sms', _csrf: csrfTokenOf(challenge.text) });
    expect(res.status).toBe(503);
    expect(res.text).toContain(DELIVERY_FAILED.message);
    expect(res.text).toContain('Text a code to +1 ••• ••• ••99');
  });

  it('refuses at registration a number Twilio says is invalid, and takes another', async () => {
    const { standin, sms } = await twilioStandin();
    standin.refuse(NEW_MOBILE, 21211);
    const gw = await flowGateway({ sms });
    const { agent, next } = await signIn(gw, 'alice');
    expect(next).toBe('register_mobile');

    const refused = await agent.post(`${BASE}/mobile`).send({ phone: NEW_MOBILE });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(CANNOT_TEXT);
    expect(standin.requests).toHaveLength(1);
    expect(await gw.store.getMobile('alice')).toBeUndefined();

    const other = '+447400123457';
    const sent = await agent.post(`${BASE}/mobile`).send({ phone: other });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const proved = await agent.post(`${BASE}/mobile/verify`).send({ code: textedCode(standin, other) });
    expect(proved.body.verified).toBe(true);
  });

  it('shows a browser the registration page again with the message and the number typed', async () => {
    const { standin, sms } = await twilioStandin();
    standin.refuse(NEW_MOBILE, 21211);
    const gw = await flowGateway({ sms });
    const { agent } = await signIn(gw, 'alice');
    const prompt = await agent.get(`${BASE}/mobile`).set('Accept', 'text/html');
    const res = await agent
      .post(`${BASE}/mobile`)
      .set('Accept', 'text/html')
      .type('form')
      .send({ phone: NEW_MOBILE, _csrf: csrfTokenOf(prompt.text) });
    expect(res.status).toBe(400);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain(CANNOT_TEXT.message);
    expect(res.text).toContain(`value="${NEW_MOBILE}"`);
  });

  it('refuses a challenge by SMS to a number that turned texts off, saying so', async () => {
    const { standin, sms } = await twilioStandin();
    standin.refuse(BOB_MOBILE, 21610);
    const gw = await flowGateway({ sms });
    const { agent } = await signIn(gw, 'bob');
    const res = await send(agent, 'sms');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'sms_opted_out', message: expect.stringContaining('replied STOP') });
    expect(standin.requests).toHaveLength(1);
  });
});
