/**
 * stepgate.yaml: one schema per section, each key with a description and a default.
 * The resolved type (defaults filled, durations in milliseconds) is what the code uses;
 * the JSON Schema in config/stepgate.schema.json is generated from here.
 */
import { z } from 'zod';
import { duration } from './duration.js';

const listen = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, "must be 'host:port' such as '127.0.0.1:8080'")
  .describe('Address and port stepgate listens on.');

const httpUrl = z
  .string()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: 'must be an http:// or https:// URL',
  });

const cidr = z
  .string()
  .regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'must be an IP address or a CIDR block such as 10.0.0.0/8');

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
        z.strictObject({ hosts: z.array(z.string().min(1)).min(1).describe('Host names of this entry point.') }),
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
    redis_url: z.string().prefault('redis://127.0.0.1:6379').describe('Redis URL when store is redis.'),
    secret: z
      .string()
      .min(32, 'must be at least 32 characters (use a long random value)')
      .describe('Signs the session cookie. Keep it secret; changing it signs everyone out.'),
    cookie_name: z.string().regex(/^[A-Za-z0-9_-]+$/).prefault('stepgate_session'),
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

export const storeSchema = z
  .strictObject({
    type: z.enum(['sqlite', 'postgres']).prefault('sqlite'),
    path: z.string().prefault('./var/stepgate.db').describe('SQLite database file.'),
    url: z.string().prefault('postgres://localhost/stepgate').describe('PostgreSQL URL when type is postgres.'),
    encryption_key: z
      .string()
      .optional()
      .describe('Key that encrypts authenticator secrets and phone numbers at rest.'),
  })
  .describe('Where stepgate keeps mobiles, authenticators, remembered networks, codes and history.');

const ldapSchema = z.strictObject({
  url: z.string().regex(/^ldaps?:\/\//, "must be an 'ldap://' or 'ldaps://' URL"),
  bind_dn: z.string().optional(),
  bind_password: z.string().optional(),
  base_dn: z.string(),
  user_filter: z.string().includes('{username}', { message: "must contain '{username}'" }).prefault('(uid={username})'),
  attributes: z
    .strictObject({
      email: z.string().prefault('mail'),
      mobile: z.string().prefault('mobile'),
      user_type: z.string().prefault('employeeType'),
      groups: z.string().prefault('memberOf'),
    })
    .prefault({ email: 'mail', mobile: 'mobile', user_type: 'employeeType', groups: 'memberOf' }),
});

const samlSchema = z.strictObject({
  entry_point: httpUrl.describe('IdP single sign-on URL.'),
  idp_issuer: z.string(),
  idp_cert: z.union([z.string(), z.array(z.string()).min(1)]).describe('Path or inline PEM; several for rollover.'),
  issuer: z.string().prefault('stepgate').describe('Our SP entity id.'),
  attributes: z
    .strictObject({
      email: z.string().prefault('email'),
      user_type: z.string().prefault('userType'),
      groups: z.string().prefault('groups'),
    })
    .prefault({ email: 'email', user_type: 'userType', groups: 'groups' }),
});

export const loginsSchema = z
  .strictObject({
    direct: z.strictObject({ users_file: z.string().describe('Path of users.yaml.') }).optional(),
    delegated: z.strictObject({ ldap: ldapSchema }).optional(),
    saml: samlSchema.optional(),
  })
  .describe('How people sign in.');

export const notificationsSchema = z
  .strictObject({
    sms: z.strictObject({ provider: z.enum(['outbox', 'twilio']).prefault('outbox') }).prefault({ provider: 'outbox' }),
    email: z.strictObject({ provider: z.enum(['outbox', 'smtp']).prefault('outbox') }).prefault({ provider: 'outbox' }),
    outbox_path: z.string().prefault('./var/outbox.jsonl').describe('JSON-lines file the outbox appends to.'),
  })
  .describe('How codes and notices reach people.');

export const adminSchema = z
  .strictObject({
    api_tokens: z
      .array(z.string().min(32, 'must be at least 32 characters'))
      .prefault([])
      .describe('Bearer tokens for the admin and sidecar APIs (kept only as hashes in memory).'),
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
      .describe('Path of policy.yaml; without it the built-in default policy applies.'),
    admin: adminSchema.prefault({}),
  })
  .describe('stepgate.yaml: the operator configuration of stepgate.');

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
