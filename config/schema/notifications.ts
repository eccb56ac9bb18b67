/** stepgate.yaml `notifications:`: how SMS and email reach people (outbox, Twilio, SMTP). */
import { z } from 'zod';
import { RELATIVE } from './common.js';

// Secrets in the notification blocks are meant to be written as `${ENV_VAR}` references.
const FROM_ENV = 'Write it as a `${VARIABLE}` reference so the secret comes from the environment.';

const deliveryAttempts = (failures: string) =>
  z
    .number()
    .int()
    .min(1)
    .max(10)
    .prefault(3)
    .describe(
      `Tries per message, the first included, while the provider fails for now (${failures}); a short pause with jitter between tries.`,
    );

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The provider named in `provider` needs its block; runs even when other keys are invalid. */
function requireProviderBlock(provider: string) {
  return (section: unknown, ctx: z.RefinementCtx<unknown>): void => {
    if (isRecord(section) && section.provider === provider && section[provider] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [provider],
        message: `is required when provider is '${provider}'`,
      });
    }
  };
}

/** Exactly one sender, and exactly one way to sign in: the auth token or an API key and its secret. */
function checkTwilioChoices(twilio: unknown, ctx: z.RefinementCtx<unknown>): void {
  if (!isRecord(twilio)) return;
  const has = (key: string) => twilio[key] !== undefined;
  const problem = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [key], message });
  if (has('from') && has('messaging_service_sid')) {
    problem('messaging_service_sid', "must not be set together with 'from': choose one sender");
  } else if (!has('from') && !has('messaging_service_sid')) {
    problem('from', 'is required unless messaging_service_sid is set (exactly one of them)');
  }
  if (has('auth_token') && (has('api_key_sid') || has('api_key_secret'))) {
    problem(
      has('api_key_sid') ? 'api_key_sid' : 'api_key_secret',
      'must not be set together with auth_token: use either the auth token or an API key',
    );
  } else if (has('api_key_sid') !== has('api_key_secret')) {
    problem(
      has('api_key_sid') ? 'api_key_secret' : 'api_key_sid',
      'is required when the other half of the API key is set',
    );
  } else if (!has('auth_token') && !has('api_key_sid')) {
    problem('auth_token', 'is required unless api_key_sid and api_key_secret are set');
  }
}

const sid = (prefix: string, what: string) =>
  z
    .string()
    .regex(
      new RegExp(`^${prefix}[0-9a-fA-F]{32}$`),
      `must be ${what}: '${prefix}' and 32 hexadecimal digits`,
    );

const twilioSchema = z
  .strictObject({
    account_sid: sid('AC', 'an account SID').describe('Twilio account SID (AC…).'),
    auth_token: z
      .string()
      .min(1)
      .optional()
      .describe(`Auth token of the account; or set api_key_sid and api_key_secret instead. ${FROM_ENV}`),
    api_key_sid: sid('SK', 'an API key SID').optional().describe('API key SID (SK…), with api_key_secret.'),
    api_key_secret: z.string().min(1).optional().describe(`Secret of the API key. ${FROM_ENV}`),
    from: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Sender: a Twilio number in E.164 (+15017122661), a short code or an alphanumeric sender ID. Set this or messaging_service_sid.',
      ),
    messaging_service_sid: sid('MG', 'a messaging service SID')
      .optional()
      .describe('Messaging service (MG…) that picks the sender. Set this or from.'),
    max_attempts: deliveryAttempts('a timeout, a refused connection, HTTP 429 or 5xx'),
  })
  .superRefine(checkTwilioChoices, { when: () => true })
  .describe(
    "Twilio Programmable Messaging, required when provider is 'twilio'. Invalid, landline, opted-out or unreachable numbers are refused at once; the person is told to check the number.",
  );

const emailAddress = /^[^\s@<>]+@[^\s@<>]+$/;

const smtpSchema = z
  .strictObject({
    host: z.string().min(1).describe('SMTP server (submission service).'),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .prefault(587)
      .describe('587 for STARTTLS, 465 with secure: true.'),
    secure: z
      .boolean()
      .prefault(false)
      .describe(
        'true: TLS from the first byte (implicit TLS, port 465); false: plain connection upgraded by STARTTLS.',
      ),
    require_tls: z
      .boolean()
      .prefault(true)
      .describe(
        'When secure is false, refuse to send unless the server upgrades the connection with STARTTLS.',
      ),
    user: z.string().min(1).optional().describe('User name for SMTP authentication; omit for none.'),
    password: z.string().min(1).optional().describe(`Password for SMTP authentication. ${FROM_ENV}`),
    from: z
      .string()
      .refine(
        (value) => emailAddress.test(value) || /^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/.test(value),
        "must be an email address, optionally with a name: 'Sign-in <stepgate@example.org>'",
      )
      .describe("Sender address, e.g. 'stepgate@example.org' or 'Sign-in <stepgate@example.org>'."),
    max_attempts: deliveryAttempts('a timeout, a refused connection, a 4xx reply'),
  })
  .superRefine(
    (smtp, ctx) => {
      if (!isRecord(smtp) || (smtp.user === undefined) === (smtp.password === undefined)) return;
      const missing = smtp.user === undefined ? 'user' : 'password';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: `is required when ${missing === 'user' ? 'password' : 'user'} is set`,
      });
    },
    { when: () => true },
  )
  .describe(
    "SMTP submission, required when provider is 'smtp'. A recipient the server refuses (5xx) is not retried.",
  );

export const notificationsSchema = z
  .strictObject({
    sms: z
      .strictObject({
        provider: z
          .enum(['outbox', 'twilio'])
          .prefault('outbox')
          .describe("'outbox' appends each message to outbox_path instead of sending it."),
        twilio: twilioSchema.optional(),
      })
      .superRefine(requireProviderBlock('twilio'), { when: () => true })
      .prefault({ provider: 'outbox' })
      .describe('How SMS codes are sent.'),
    email: z
      .strictObject({
        provider: z
          .enum(['outbox', 'smtp'])
          .prefault('outbox')
          .describe("'outbox' appends each message to outbox_path instead of sending it."),
        smtp: smtpSchema.optional(),
      })
      .superRefine(requireProviderBlock('smtp'), { when: () => true })
      .prefault({ provider: 'outbox' })
      .describe('How email codes and notices are sent.'),
    outbox_path: z
      .string()
      .prefault('./var/outbox.jsonl')
      .describe(`JSON-lines file the outbox appends to. ${RELATIVE}`),
    geoip_database: z
      .string()
      .optional()
      .describe(
        `A MaxMind-format GeoIP database (.mmdb: GeoLite2-City, GeoIP2-City or a Country database) that gives new-network notices an approximate place; none by default (empty or absent: no place). Read at start-up and again on SIGHUP. ${RELATIVE}`,
      ),
  })
  .describe('How codes and notices reach people.');
