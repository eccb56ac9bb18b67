/**
 * The log (bin/logger.ts, through pino) of a whole sign-in holds neither the codes sent nor the
 * phone number, even where an outside system's error quotes both, as SMS providers' errors do.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../bin/logger.js';
import type { SmsMessage } from '../../gateway/ports/notifications.js';
import { BASE, NEW_MOBILE, flowGateway, lastCode, send, signIn, verify } from '../helpers/flow.js';

/** An SMS provider whose first send fails with an error quoting the number and the text, then delivers. */
function flakyProvider() {
  const delivered: SmsMessage[] = [];
  const refused: SmsMessage[] = [];
  return {
    delivered,
    refused,
    sendSms: async (message: SmsMessage) => {
      if (refused.length === 0) {
        refused.push(message);
        throw new Error(`provider refused the message to ${message.to}: "${message.body}"`);
      }
      delivered.push(message);
    },
  };
}

function codeIn(message: SmsMessage | undefined): string {
  const code = /\d{6,}/.exec(message?.body ?? '')?.[0];
  if (code === undefined) throw new Error('no code in the message');
  return code;
}

describe('the log of a sign-in', () => {
  it('has no code and no phone number in it, even from an error that quotes them', async () => {
    let log = '';
    const logger = createLogger({ stream: { write: (line: string) => void (log += line) } });
    const sms = flakyProvider();
    const gw = await flowGateway({ logger, sms });

    const { agent, next } = await signIn(gw, 'alice');
    expect(next).toBe('register_mobile');
    const failed = await agent.post(`${BASE}/mobile`).send({ phone: NEW_MOBILE });
    expect(failed.status, JSON.stringify(failed.body)).toBe(503);
    expect((await agent.post(`${BASE}/mobile`).send({ phone: NEW_MOBILE })).status).toBe(200);
    const registered = await agent.post(`${BASE}/mobile/verify`).send({ code: codeIn(sms.delivered[0]) });
    expect(registered.status, JSON.stringify(registered.body)).toBe(200);
    // The number just proved cannot confirm this same sign-in (docs/confirmation.md): email does.
    expect((await send(agent, 'email')).status).toBe(200);
    const emailed = lastCode(gw, 'email', 'alice@example.com');
    const confirmed = await verify(agent, 'email', emailed);
    expect(confirmed.body.next).toBe('done');

    // The refusal was logged, with the provider's words minus the number and the code.
    const lines = log
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const refusal = lines.find((line) => line.message === 'code delivery failed');
    expect(refusal, log).toMatchObject({
      level: 'error',
      error: expect.stringContaining('provider refused'),
    });
    expect(refusal?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const codes = [...[sms.refused[0], ...sms.delivered].map(codeIn), emailed];
    expect(codes).toHaveLength(3);
    for (const secret of [...codes, NEW_MOBILE, NEW_MOBILE.slice(1), NEW_MOBILE.slice(3)]) {
      expect(log).not.toContain(secret);
    }
  });
});
