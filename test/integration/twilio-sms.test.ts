/**
 * TwilioSms through the official `twilio` client against a local stand-in of Twilio's Messages API:
 * what Twilio receives, which refusals reach the person, and the bounded retries.
 */
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { retryPause } from '../../adapters/delivery/retry.js';
import { TwilioSms, type TwilioConfig } from '../../adapters/twilio/sms.js';
import { checkedConfigSchema } from '../../config/load.js';
import { formatProblems, parseYamlText } from '../../config/yaml-loader.js';
import { DeliveryError, type Logger } from '../../gateway/ports.js';
import {
  STANDIN_ACCOUNT_SID,
  STANDIN_API_KEY_SECRET,
  STANDIN_API_KEY_SID,
  STANDIN_AUTH_TOKEN,
  STANDIN_FROM,
  startTwilioStandin,
  type TwilioStandin,
} from '../helpers/twilio-standin.js';

const TO = '+14155550123';
const BODY = '482913 is your verification code. It expires in 10 minutes. Never share it.';
const SERVICE_SID = 'MG0123456789abcdef0123456789abcdef';

const TOKEN_CONFIG: TwilioConfig = {
  account_sid: STANDIN_ACCOUNT_SID,
  auth_token: STANDIN_AUTH_TOKEN,
  from: STANDIN_FROM,
  max_attempts: 3,
};

interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown> | undefined;
}

function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, message, fields });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

async function rejection(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof DeliveryError)) throw new Error(`expected a DeliveryError, got ${String(error)}`);
  return error;
}

let standin: TwilioStandin;
let logger: ReturnType<typeof recordingLogger>;
let pauses: number[];

beforeEach(async () => {
  standin = await startTwilioStandin();
  logger = recordingLogger();
  pauses = [];
});

afterEach(async () => {
  await standin.close();
});

function sender(config: Partial<TwilioConfig> = {}, httpClient?: RequestClient): TwilioSms {
  return new TwilioSms(
    { ...TOKEN_CONFIG, ...config },
    {
      logger,
      ...(httpClient ? { httpClient } : { baseUrl: standin.url }),
      sleep: async (ms) => void pauses.push(ms),
    },
  );
}

describe('TwilioSms', () => {
  it('posts To, From and Body to the account with its SID and auth token', async () => {
    await sender().sendSms({ to: TO, body: BODY });
    expect(standin.requests).toEqual([
      {
        accountSid: STANDIN_ACCOUNT_SID,
        username: STANDIN_ACCOUNT_SID,
        password: STANDIN_AUTH_TOKEN,
        contentType: 'application/x-www-form-urlencoded',
        to: TO,
        from: STANDIN_FROM,
        body: BODY,
        messagingServiceSid: undefined,
        answered: 201,
      },
    ]);
  });

  it('signs in with an API key and lets a messaging service pick the sender', async () => {
    const config = {
      auth_token: undefined,
      api_key_sid: STANDIN_API_KEY_SID,
      api_key_secret: STANDIN_API_KEY_SECRET,
      from: undefined,
      messaging_service_sid: SERVICE_SID,
    };
    await sender(config).sendSms({ to: TO, body: BODY });
    expect(standin.requests).toMatchObject([
      {
        accountSid: STANDIN_ACCOUNT_SID,
        username: STANDIN_API_KEY_SID,
        password: STANDIN_API_KEY_SECRET,
        from: undefined,
        messagingServiceSid: SERVICE_SID,
        answered: 201,
      },
    ]);
  });

  it('goes through an httpClient given to it, a RequestClient of the official client', async () => {
    const seen: string[] = [];
    const base = standin.url;
    class RedirectingClient extends twilio.RequestClient {
      override request<TData>(opts: RequestClient.RequestOptions<TData>) {
        seen.push(`${opts.method} ${opts.uri}`);
        return super.request({ ...opts, uri: opts.uri.replace('https://api.twilio.com', base) });
      }
    }
    await sender({}, new RedirectingClient()).sendSms({ to: TO, body: BODY });
    expect(seen).toEqual([
      `post https://api.twilio.com/2010-04-01/Accounts/${STANDIN_ACCOUNT_SID}/Messages.json`,
    ]);
    expect(standin.requests.map((request) => request.answered)).toEqual([201]);
  });

  it('logs the message SID and never the body, which holds the code', async () => {
    await sender().sendSms({ to: TO, body: BODY });
    const accepted = logger.lines.find((line) => line.message === 'sms accepted by twilio');
    expect(accepted?.fields?.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(JSON.stringify(logger.lines)).not.toContain('482913');
  });

  it.each([
    [21211, 'invalid_phone', 'That number cannot receive text messages. Check it or register another.'],
    [21614, 'not_mobile', expect.stringContaining('not a mobile number')],
    [21610, 'sms_opted_out', expect.stringContaining('replied STOP')],
    [21408, 'country_not_supported', expect.stringContaining('to that country')],
  ])(
    'refuses at once a number Twilio rejects with %i, as a permanent %s',
    async (twilioCode, code, message) => {
      standin.refuse(TO, twilioCode);
      const error = await rejection(sender().sendSms({ to: TO, body: BODY }));
      expect({ permanent: error.permanent, code: error.code, message: error.message }).toEqual({
        permanent: true,
        code,
        message,
      });
      expect(standin.requests).toHaveLength(1);
      expect(logger.lines).toContainEqual(
        expect.objectContaining({
          fields: expect.objectContaining({ twilio_code: twilioCode, status: 400 }),
        }),
      );
      expect(JSON.stringify(logger.lines)).not.toContain('482913');
    },
  );

  it('tries again after Twilio throttles (429) and succeeds', async () => {
    standin.reply({ status: 429, code: 20429 });
    await sender().sendSms({ to: TO, body: BODY });
    expect(standin.requests.map((request) => request.answered)).toEqual([429, 201]);
    expect(standin.requests[1]).toMatchObject({ to: TO, from: STANDIN_FROM, body: BODY });
    expect(pauses).toHaveLength(1);
  });

  it('tries again after a dropped connection and succeeds', async () => {
    standin.reply('drop');
    await sender().sendSms({ to: TO, body: BODY });
    expect(standin.requests.map((request) => request.answered)).toEqual([0, 201]);
  });

  it('gives up after max_attempts requests while Twilio fails (500), as a transient failure', async () => {
    standin.reply({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    const error = await rejection(sender().sendSms({ to: TO, body: BODY }));
    expect({ permanent: error.permanent, code: error.code }).toEqual({
      permanent: false,
      code: 'delivery_failed',
    });
    expect(standin.requests).toHaveLength(3);
    expect(pauses).toHaveLength(2);
  });

  it('honours a smaller max_attempts', async () => {
    standin.reply({ status: 503 }, { status: 503 });
    await rejection(sender({ max_attempts: 1 }).sendSms({ to: TO, body: BODY }));
    expect(standin.requests).toHaveLength(1);
    expect(pauses).toEqual([]);
  });

  it('does not retry credentials Twilio refuses, and tells the operator', async () => {
    const error = await rejection(sender({ auth_token: 'wrong' }).sendSms({ to: TO, body: BODY }));
    expect({ permanent: error.permanent, code: error.code }).toEqual({
      permanent: false,
      code: 'delivery_failed',
    });
    expect(standin.requests.map((request) => request.answered)).toEqual([401]);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'error', fields: expect.objectContaining({ twilio_code: 20003 }) }),
    );
  });

  it('pauses a little longer each time, with jitter, never more than 2 s', () => {
    expect([retryPause(1, () => 0), retryPause(1, () => 0.999)]).toEqual([125, 250]);
    expect([retryPause(2, () => 0), retryPause(2, () => 0.999)]).toEqual([250, 500]);
    expect([retryPause(10, () => 0), retryPause(10, () => 0.999)]).toEqual([1_000, 1_999]);
  });
});

describe('notifications.sms.twilio in stepgate.yaml', () => {
  const base = [
    'upstream: { url: http://127.0.0.1:3000 }',
    'session: { secret: a-session-secret-that-is-long-enough-to-pass }',
    'logins: { direct: { users_file: ./users.yaml } }',
    'notifications:',
    '  sms:',
    '    provider: twilio',
  ];
  const env = { TWILIO_ACCOUNT_SID: STANDIN_ACCOUNT_SID, TWILIO_AUTH_TOKEN: STANDIN_AUTH_TOKEN };
  const check = (lines: string[]) =>
    parseYamlText(lines.join('\n'), 'stepgate.yaml', checkedConfigSchema, { env });

  it('reads the credentials from the environment and fills max_attempts', () => {
    const result = check([
      ...base,
      '    twilio:',
      '      account_sid: ${TWILIO_ACCOUNT_SID}',
      '      auth_token: ${TWILIO_AUTH_TOKEN}',
      `      from: "${STANDIN_FROM}"`,
    ]);
    expect(result.ok && result.value.notifications.sms.twilio).toEqual({ ...TOKEN_CONFIG, max_attempts: 3 });
  });

  it('requires the twilio block with the provider, at its line', () => {
    const result = check(base);
    expect(result.ok || formatProblems(result.problems)).toBe(
      "stepgate.yaml:5:3: notifications.sms.twilio: is required when provider is 'twilio'",
    );
  });

  it('wants exactly one sender and one kind of credential, each problem at its line', () => {
    const result = check([
      ...base,
      '    twilio:',
      '      account_sid: ${TWILIO_ACCOUNT_SID}',
      `      api_key_sid: ${STANDIN_API_KEY_SID}`,
      `      from: "${STANDIN_FROM}"`,
      `      messaging_service_sid: ${SERVICE_SID}`,
    ]);
    expect(result.ok || formatProblems(result.problems).split('\n')).toEqual([
      'stepgate.yaml:7:5: notifications.sms.twilio.api_key_secret: is required when the other half of the API key is set',
      "stepgate.yaml:11:30: notifications.sms.twilio.messaging_service_sid: must not be set together with 'from': choose one sender",
    ]);
  });
});
