/**
 * stepgate.yaml: one schema per section, each key with a description and a default.
 * The resolved type (defaults filled, durations in milliseconds) is what the code uses;
 * the JSON Schema in config/stepgate.schema.json is generated from here.
 */
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { duration } from './duration.js';

/** Relative paths in stepgate.yaml are read from the working directory, not the config file's. */
const RELATIVE = 'A relative path is relative to the directory stepgate is started from.';

const listen = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, "must be 'host:port' such as '127.0.0.1:8080'")
  .describe('Address and port stepgate listens on.');

const httpUrl = z
  .string()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: 'must be an http:// or https:// URL',
  })
  .meta({ format: 'uri', pattern: '^https?://' });

function isAddressOrBlock(value: string): boolean {
  return (
    ipaddr.IPv4.isValidFourPartDecimal(value) ||
    ipaddr.IPv4.isValidCIDRFourPartDecimal(value) ||
    ipaddr.IPv6.isValid(value) ||
    ipaddr.IPv6.isValidCIDR(value)
  );
}

// The pattern is for editors; ipaddr.js rejects what it lets through, such as 10.0.0.0/33.
const cidr = z
  .string()
  .regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, {
    message: 'must be an IP address or a CIDR block such as 10.0.0.0/8',
    abort: true,
  })
  .refine(isAddressOrBlock, 'must be an IP address or a CIDR block such as 10.0.0.0/8');

export const serverSchema = z
  .strictObject({
    listen: listen.prefault('127.0.0.1:8080'),
    public_url: httpUrl
      .prefault('http://localhost:8080')
      .describe('The URL people reach stepgate at; redirects never leave its origin.'),
    base_path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/, "must start with '/' and not end with '/'")
      .prefault('/_stepgate')
      .describe("Path prefix of stepgate's own pages and APIs."),
    trusted_proxies: z
      .array(cidr)
      .prefault([])
      .describe('X-Forwarded-For is honoured only from these peers, read from the right.'),
    entry_points: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_-]*$/, 'entry point names are lowercase words'),
        z.strictObject({
          hosts: z
            .array(z.string().min(1))
            .min(1)
            .describe('Host names (Host header, without port) that reach this entry point.'),
        }),
      )
      .prefault({})
      .describe("Entry points by Host header; a request matching none is at the 'standard' entry point."),
  })
  .describe('Where stepgate listens and how it reads requests.');

export const upstreamSchema = z
  .strictObject({
    url: httpUrl.describe('The application stepgate protects.'),
    public_paths: z
      .array(z.string().startsWith('/', "must start with '/'"))
      .prefault([])
      .describe("Forwarded without sign-in: exact paths, or prefixes when they end with '/' or '/*'."),
    timeout: duration()
      .prefault('30s')
      .describe('How long to wait for the upstream before answering 502/504.'),
  })
  .describe('The application behind stepgate.');

export const sessionSchema = z
  .strictObject({
    store: z.enum(['memory', 'redis']).prefault('memory').describe('Where sessions are kept.'),
    redis_url: z
      .string()
      .prefault('redis://127.0.0.1:6379')
      .describe(
        'Redis URL when store is redis; several instances sharing it share sessions and send limits.',
      ),
    secret: z
      .string()
      .min(32, 'must be at least 32 characters (use a long random value)')
      .describe('Signs the session cookie. Keep it secret; changing it signs everyone out.'),
    cookie_name: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ and - only')
      .prefault('stepgate_session')
      .describe('Name of the session cookie (HttpOnly, SameSite=Lax, Secure outside localhost).'),
    idle_timeout: duration().prefault('30m').describe('A session unused this long ends.'),
    absolute_timeout: duration().prefault('12h').describe('A session ends this long after sign-in.'),
    max_sessions: z
      .number()
      .int()
      .positive()
      .prefault(100_000)
      .describe('Upper bound of the in-memory store; the least recently used session is dropped beyond it.'),
  })
  .describe('Browser sessions.');

// The form of store.encryption_key; adapters/crypto/key.ts reads the key with the same rule.
const ENCRYPTION_KEY_FORMS =
  "must be 32 random bytes written as base64 (44 characters) or hex (64 characters); make one with 'openssl rand -base64 32'";

function isEncryptionKeyText(text: string): boolean {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return true;
  return /^[A-Za-z0-9+/]{43}=$/.test(text) && Buffer.from(text, 'base64').length === 32;
}

export const storeSchema = z
  .strictObject({
    type: z.enum(['sqlite', 'postgres']).prefault('sqlite').describe('Which database to use.'),
    path: z
      .string()
      .prefault('./var/stepgate.db')
      .describe(`SQLite database file when type is sqlite. ${RELATIVE}`),
    url: z
      .string()
      .prefault('postgres://localhost/stepgate')
      .describe('PostgreSQL URL when type is postgres.'),
    encryption_key: z
      .string()
      .refine(isEncryptionKeyText, ENCRYPTION_KEY_FORMS)
      .optional()
      .describe(
        "Key that encrypts authenticator secrets and phone numbers at rest: 32 random bytes as base64 or hex ('openssl rand -base64 32'); set it from the environment. Without it they are stored unencrypted. To change it, use 'stepgate admin rotate-key'.",
      ),
    history_retention: duration()
      .prefault('180d')
      .describe('Verification history older than this is deleted (checked at start and every hour).'),
  })
  .describe('Where stepgate keeps mobiles, authenticators, remembered networks, codes and history.');

const ldapSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^ldaps?:\/\//, "must be an 'ldap://' or 'ldaps://' URL")
      .describe('Directory server, ldap:// or ldaps://.'),
    bind_dn: z.string().optional().describe('Account that searches for users; omit for an anonymous search.'),
    bind_password: z.string().optional().describe('Password of bind_dn; set it from the environment.'),
    base_dn: z.string().describe('Where users are searched for.'),
    user_filter: z
      .string()
      .includes('{username}', { message: "must contain '{username}'" })
      .prefault('(uid={username})')
      .describe('Search filter; {username} is replaced by the escaped user name (RFC 4515).'),
    attributes: z
      .strictObject({
        username: z
          .string()
          .prefault('uid')
          .describe(
            'Attribute holding the username as the directory spells it (the one user_filter matches).',
          ),
        email: z.string().prefault('mail').describe('Attribute holding the email address.'),
        mobile: z
          .string()
          .prefault('mobile')
          .describe(
            'Attribute holding the mobile number in international format; counts as verified. A value that is not a valid number is ignored.',
          ),
        user_type: z
          .string()
          .prefault('employeeType')
          .describe('Attribute holding the user type: standard, portal or external.'),
        groups: z
          .string()
          .prefault('memberOf')
          .describe('Attribute holding group DNs, matched by policy groups.'),
        profile: z
          .string()
          .optional()
          .describe('Attribute naming the policy profile; without it the profile comes from groups.'),
        permission_sets: z
          .string()
          .optional()
          .describe(
            'Attribute naming policy permission sets (several values allowed), besides those from groups.',
          ),
      })
      .prefault({
        username: 'uid',
        email: 'mail',
        mobile: 'mobile',
        user_type: 'employeeType',
        groups: 'memberOf',
      })
      .describe('Which directory attributes stepgate reads.'),
  })
  .describe('LDAP directory; the password is checked by binding as the user that the search finds.');

const samlSchema = z
  .strictObject({
    entry_point: httpUrl.describe('IdP single sign-on URL.'),
    idp_issuer: z.string().describe('Entity id of the identity provider; responses from others are refused.'),
    idp_cert: z
      .union([z.string(), z.array(z.string()).min(1)])
      .describe(
        `IdP signing certificate: a path or inline PEM, or a list of them during rollover. ${RELATIVE}`,
      ),
    issuer: z.string().prefault('stepgate').describe('Our SP entity id.'),
    attributes: z
      .strictObject({
        email: z.string().prefault('email').describe('Assertion attribute holding the email address.'),
        user_type: z.string().prefault('userType').describe('Assertion attribute holding the user type.'),
        groups: z.string().prefault('groups').describe('Assertion attribute holding the groups.'),
      })
      .prefault({ email: 'email', user_type: 'userType', groups: 'groups' })
      .describe('Which assertion attributes stepgate reads.'),
  })
  .describe('Federated sign-in as a SAML service provider; these users are never challenged.');

export const loginsSchema = z
  .strictObject({
    direct: z
      .strictObject({ users_file: z.string().describe(`Path of users.yaml. ${RELATIVE}`) })
      .optional()
      .describe('Direct sign-in with a password from the users file.'),
    delegated: z
      .strictObject({ ldap: ldapSchema })
      .optional()
      .describe('Delegated authentication: the password is checked by a directory.'),
    saml: samlSchema.optional(),
  })
  .describe('How people sign in.');

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
  })
  .describe('How codes and notices reach people.');

const TOKEN_MIN = 'must be at least 32 characters';

const apiToken = z.union([
  z
    .string()
    .min(32, TOKEN_MIN)
    .describe("A token with the scope 'admin', named by its position ('token-1')."),
  z
    .strictObject({
      name: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1 to 64 letters, digits, . _ or -')
        .describe("Shown in the verification history as 'token:<name>'."),
      token: z.string().min(32, TOKEN_MIN).describe('The bearer token; set it from the environment.'),
      scopes: z
        .array(z.enum(['admin', 'sidecar']))
        .min(1)
        .describe("What the token may call: 'admin' (/admin/v1) and 'sidecar' (/sidecar/v1)."),
    })
    .describe('A named token with its scopes.'),
]);

/** The name a plain-string token goes by, from its 1-based position in the list. */
export function apiTokenName(entry: z.output<typeof apiToken>, index: number): string {
  return typeof entry === 'string' ? `token-${index + 1}` : entry.name;
}

export const adminSchema = z
  .strictObject({
    api_tokens: z
      .array(apiToken)
      .prefault([])
      .superRefine((tokens, ctx) => {
        const names = new Set<string>();
        const secrets = new Set<string>();
        tokens.forEach((entry, index) => {
          const name = apiTokenName(entry, index);
          if (names.has(name)) {
            ctx.addIssue({
              code: 'custom',
              path: typeof entry === 'string' ? [index] : [index, 'name'],
              message: `'${name}' names two tokens`,
            });
          }
          const secret = typeof entry === 'string' ? entry : entry.token;
          if (secrets.has(secret)) {
            ctx.addIssue({ code: 'custom', path: [index], message: 'repeats a token listed above' });
          }
          names.add(name);
          secrets.add(secret);
        });
      })
      .describe(
        "Bearer tokens for the admin and sidecar APIs (kept only as hashes in memory): a string (scope 'admin') or {name, token, scopes}.",
      ),
  })
  .describe('Help-desk and integration access.');

export const configSchema = z
  .strictObject({
    server: serverSchema.prefault({}),
    upstream: upstreamSchema,
    session: sessionSchema,
    store: storeSchema.prefault({}),
    logins: loginsSchema.prefault({}),
    notifications: notificationsSchema.prefault({}),
    policy_file: z
      .string()
      .optional()
      .describe(`Path of policy.yaml; without it the built-in default policy applies. ${RELATIVE}`),
    admin: adminSchema.prefault({}),
  })
  .describe('stepgate.yaml: the operator configuration of stepgate.');

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
