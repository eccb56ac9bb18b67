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
      .optional()
      .describe(
        'Key that encrypts authenticator secrets and phone numbers at rest; set it from the environment.',
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
        email: z.string().prefault('mail').describe('Attribute holding the email address.'),
        mobile: z
          .string()
          .prefault('mobile')
          .describe('Attribute holding the mobile number; counts as verified.'),
        user_type: z
          .string()
          .prefault('employeeType')
          .describe('Attribute holding the user type: standard, portal or external.'),
        groups: z
          .string()
          .prefault('memberOf')
          .describe('Attribute holding group DNs, matched by policy groups.'),
      })
      .prefault({ email: 'mail', mobile: 'mobile', user_type: 'employeeType', groups: 'memberOf' })
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

export const notificationsSchema = z
  .strictObject({
    sms: z
      .strictObject({
        provider: z
          .enum(['outbox', 'twilio'])
          .prefault('outbox')
          .describe("'outbox' appends each message to outbox_path instead of sending it."),
      })
      .prefault({ provider: 'outbox' })
      .describe('How SMS codes are sent.'),
    email: z
      .strictObject({
        provider: z
          .enum(['outbox', 'smtp'])
          .prefault('outbox')
          .describe("'outbox' appends each message to outbox_path instead of sending it."),
      })
      .prefault({ provider: 'outbox' })
      .describe('How email codes and notices are sent.'),
    outbox_path: z
      .string()
      .prefault('./var/outbox.jsonl')
      .describe(`JSON-lines file the outbox appends to. ${RELATIVE}`),
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
      .describe(`Path of policy.yaml; without it the built-in default policy applies. ${RELATIVE}`),
    admin: adminSchema.prefault({}),
  })
  .describe('stepgate.yaml: the operator configuration of stepgate.');

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
