/**
 * policy.yaml: what identity-provider admins edit. Every key is validated and unknown keys
 * are errors; the resolved type has defaults filled, durations in milliseconds and every
 * `when` matcher as a list. The JSON Schema and the docs reference are generated from here.
 */
import { z } from 'zod';
import { duration } from '../config/duration.js';
import {
  ACTIONS,
  LOGIN_KINDS,
  METHOD_IDS,
  PERMISSIONS,
  STANDARD_PROFILE,
  USER_TYPES,
  checkRuleMethods,
  checkRuleReferences,
  cidr,
  nameText,
  oneOf,
  oneOrMany,
  repromptAfter,
  show,
  uniqueIgnoringCase,
  uniqueRuleNames,
} from './schema-fields.js';

const HOUR_MS = 3_600_000;

export { ACTIONS, LOGIN_KINDS, METHOD_IDS, PERMISSIONS, STANDARD_PROFILE, USER_TYPES };

const DEFAULT_PROFILES = {
  [STANDARD_PROFILE]: {},
  'Help Desk': { permissions: ['manage_identity_confirmation'] },
};
const DEFAULT_PERMISSION_SETS = {
  'Email-Based Identity Confirmation Option': { permissions: ['email_identity_confirmation'] },
};
/**
 * SPEC section 1: portal users at the portal entry point and federated (SAML, OpenID Connect)
 * sign-ins are never prompted, everyone else confirms a new network. The entry point is the Host
 * header, which any client sets, so the portal rule also needs the user type (SPEC §1.7).
 */
const DEFAULT_RULES = [
  { name: 'portal users', when: { entry_point: 'portal', user_type: 'portal' }, then: 'skip' },
  { name: 'SAML federation', when: { login: 'saml' }, then: 'skip' },
  { name: 'OpenID Connect federation', when: { login: 'oidc' }, then: 'skip' },
  { name: 'everyone else', then: 'confirm' },
];

const count = (what: string) =>
  z
    .number({ error: `must be a whole number of ${what}` })
    .int(`must be a whole number of ${what}`)
    .positive(`must be at least 1`);

const enabled = z.boolean().prefault(true).describe('Whether this method may be offered at all.');

const rateLimit = (defaultCount: number, what: string, defaultPer = '1h') =>
  z
    .strictObject({
      count: count(what).prefault(defaultCount).describe(`How many ${what} are allowed in one window.`),
      per: duration().prefault(defaultPer).describe('The rolling window the count applies to.'),
    })
    .prefault({});

const identityConfirmationSchema = z
  .strictObject({
    trusted_networks: z
      .array(cidr)
      .prefault([])
      .describe('Sign-ins from these networks are never challenged. CIDR blocks or bare addresses.'),
    remember_networks_for: duration({ allowZero: true })
      .prefault(0)
      .describe('How long a confirmed network stays remembered for the user; 0 means until it is revoked.'),
    ipv4_prefix: z
      .number()
      .int()
      .min(1, 'must be between 1 and 32')
      .max(32, 'must be between 1 and 32')
      .prefault(32)
      .describe('An IPv4 source address is remembered as the network of this prefix length.'),
    ipv6_prefix: z
      .number()
      .int()
      .min(1, 'must be between 1 and 128')
      .max(128, 'must be between 1 and 128')
      .prefault(64)
      .describe('An IPv6 source address is remembered as the network of this prefix length.'),
    code: z
      .strictObject({
        length: z
          .number()
          .int()
          .min(4, 'must be between 4 and 10 digits')
          .max(10, 'must be between 4 and 10 digits')
          .prefault(6)
          .describe('Digits in an SMS or email code.'),
        lifetime: duration({ max: 24 * HOUR_MS })
          .prefault('10m')
          .describe('How long an SMS or email code can be used; at most 24h.'),
        max_attempts: count('attempts').prefault(5).describe('Wrong entries after which a code is void.'),
      })
      .prefault({})
      .describe('One-time codes sent by SMS or email.'),
    lockout: z
      .strictObject({
        max_failures: count('failures')
          .max(100, 'must be at most 100 (NIST SP 800-63B)')
          .prefault(10)
          .describe('Consecutive failed confirmations after which the user is locked out.'),
        window: duration().prefault('1h').describe('Failures older than this are not counted.'),
        duration: duration().prefault('1h').describe('How long a lockout lasts.'),
      })
      .prefault({})
      .describe('Locking a user out after repeated failures; a new code does not reset the count.'),
  })
  .prefault({})
  .describe('When and how sign-ins are challenged.');

const notCountryCode = (input: unknown) =>
  `must be an ISO 3166 alpha-2 country code such as 'US' or 'GB' but it is ${show(input)}`;

const countryCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, { error: (issue) => notCountryCode(issue.input) });

/**
 * libphonenumber number types an operator may refuse SMS to. Premium-rate numbers and numbers no
 * type fits (unassigned ranges) are refused always; mobile numbers can never be refused here.
 */
export const REFUSABLE_NUMBER_TYPES = [
  'SHARED_COST',
  'PERSONAL_NUMBER',
  'VOIP',
  'TOLL_FREE',
  'UAN',
  'PAGER',
  'VOICEMAIL',
  'FIXED_LINE',
] as const;

/**
 * Toll fraud (SMS pumping, docs/sms-pumping.md): one attacker spreading sends over many users,
 * networks or countries. Every budget is a rolling window in the shared limiter, so it holds
 * across a fleet sharing one Redis.
 */
const pumpingGuardSchema = z
  .strictObject({
    fleet_budget: rateLimit(1000, 'messages').describe(
      'SMS sent by the whole fleet, to anyone; the next one is refused until the window moves on.',
    ),
    country_budget: rateLimit(200, 'messages').describe(
      'SMS sent to the numbers of any one country (each country has a budget of this size of its own), unless country_budgets names it.',
    ),
    country_budgets: z
      .record(z.string(), rateLimit(200, 'messages'))
      // Keys checked here rather than by the record, whose own message would not name the key;
      // `when` so they are checked even when a budget is invalid, and every problem is reported.
      .superRefine(
        (budgets, ctx) => {
          for (const key of Object.keys(budgets as object)) {
            if (/^[A-Z]{2}$/.test(key.trim().toUpperCase())) continue;
            ctx.addIssue({ code: 'custom', path: [key], input: key, message: notCountryCode(key) });
          }
        },
        { when: () => true },
      )
      .transform((budgets) =>
        Object.fromEntries(
          Object.entries(budgets).map(([key, budget]) => [key.trim().toUpperCase(), budget]),
        ),
      )
      .prefault({})
      .describe('Budgets for named destination countries (ISO 3166 alpha-2), e.g. { GB: { count: 500 } }.'),
    per_network: rateLimit(20, 'messages').describe(
      'SMS requested from one source network (an IPv4 /24, an IPv6 /64), whoever is signing in.',
    ),
    refused_number_types: z
      .array(oneOf(REFUSABLE_NUMBER_TYPES))
      .prefault(['SHARED_COST', 'PERSONAL_NUMBER'])
      .describe(
        'Number types (libphonenumber) never sent to, besides premium-rate numbers and unassigned ranges, which are always refused.',
      ),
  })
  .prefault({})
  .describe('Budgets and number checks against SMS pumping, applied to every SMS that carries a code.');

const methodsSchema = z
  .strictObject({
    email: z
      .strictObject({
        enabled,
        send_limit: rateLimit(10, 'emails').describe('Codes sent by email per user.'),
      })
      .prefault({})
      .describe('A code sent by email: the method for users without a verified mobile.'),
    sms: z
      .strictObject({
        enabled,
        send_limit: rateLimit(5, 'messages').describe('Codes sent by SMS per user; the next one is refused.'),
        allowed_countries: z
          .array(countryCode)
          .prefault([])
          .describe('Countries a mobile number may belong to (ISO 3166 alpha-2); empty allows any.'),
        pumping_guard: pumpingGuardSchema,
      })
      .prefault({})
      .describe('A code sent by SMS to a verified mobile number.'),
    authenticator: z
      .strictObject({
        enabled,
        issuer: z
          .string()
          .trim()
          .min(1, 'must not be empty')
          .prefault('stepgate')
          .describe('Name shown in the app.'),
      })
      .prefault({})
      .describe('An authenticator app (TOTP, RFC 6238).'),
    webauthn: z
      .strictObject({
        enabled,
        user_verification: oneOf(['required', 'preferred', 'discouraged'])
          .prefault('preferred')
          .describe(
            "Whether the key must check it is its owner (a PIN, a fingerprint): 'required' refuses keys that did not; the password was already asked for.",
          ),
      })
      .prefault({})
      .describe(
        'Passkeys and security keys (WebAuthn), set up by each person in their settings; phishing-resistant.',
      ),
    temporary_code: z
      .strictObject({
        enabled,
        issue_limit: rateLimit(6, 'codes').describe('Temporary codes a help desk may issue per user.'),
      })
      .prefault({})
      .describe('A temporary verification code issued by a help desk.'),
  })
  .prefault({})
  .describe('The ways a challenge can be answered.');

const mobileRegistrationSchema = z
  .strictObject({
    prompt: z
      .boolean()
      .prefault(true)
      .describe('Ask users who must confirm and have no verified mobile to register one.'),
    allow_decline: z.boolean().prefault(true).describe('Let users decline and continue with email.'),
    reprompt_after: repromptAfter
      .prefault('never')
      .describe("How long after declining a user is asked again, or 'never'."),
    code_lifetime: duration({ max: 24 * HOUR_MS })
      .prefault('15m')
      .describe('How long the code proving a new mobile number can be used.'),
    max_attempts: count('attempts').prefault(3).describe('Wrong entries after which that code is void.'),
  })
  .prefault({})
  .describe('Prompting users to register a mobile number at sign-in.');

const signInThrottleSchema = z
  .strictObject({
    per_user: rateLimit(10, 'failed sign-ins', '15m').describe(
      'Failed passwords per username (however it is typed, known or not); further sign-ins are refused (HTTP 429).',
    ),
    per_network: rateLimit(100, 'failed sign-ins', '15m').describe(
      'Failed passwords from one source network (an IPv4 address, an IPv6 /64), whatever the username.',
    ),
  })
  .prefault({})
  .describe('Password guessing: failed direct and LDAP sign-ins allowed in a rolling window.');

const grant = z.strictObject({
  permissions: z.array(oneOf(PERMISSIONS)).prefault([]).describe('Permissions this grants.'),
  groups: z
    .array(nameText)
    .prefault([])
    .describe(
      'Directory, SAML or OpenID Connect groups whose members hold this, compared case-insensitively.',
    ),
});

const profilesSchema = z
  .record(nameText, grant)
  .superRefine(uniqueIgnoringCase('profile', [STANDARD_PROFILE]), { when: () => true })
  .transform((profiles) =>
    STANDARD_PROFILE in profiles
      ? profiles
      : { ...profiles, [STANDARD_PROFILE]: { permissions: [], groups: [] } },
  )
  .prefault(DEFAULT_PROFILES)
  .describe(`Profiles by name. A user holds one; '${STANDARD_PROFILE}' always exists and is the fallback.`);

const permissionSetsSchema = z
  .record(nameText, grant)
  .superRefine(uniqueIgnoringCase('permission set'), { when: () => true })
  .prefault(DEFAULT_PERMISSION_SETS)
  .describe('Permission sets by name. A user may hold any number of them.');

const whenSchema = z
  .strictObject({
    entry_point: oneOrMany(nameText, 'an entry point name')
      .optional()
      .describe("Entry point of the sign-in ('standard' unless the host names another)."),
    login: oneOrMany(oneOf(LOGIN_KINDS), LOGIN_KINDS.join(', '))
      .optional()
      .describe('How the person signed in.'),
    user_type: oneOrMany(oneOf(USER_TYPES), USER_TYPES.join(', ')).optional().describe('The kind of user.'),
    profile: oneOrMany(nameText, 'a profile name').optional().describe('The profile the user holds.'),
    permission_set: oneOrMany(nameText, 'a permission set name')
      .optional()
      .describe('A permission set the user holds.'),
    group: oneOrMany(nameText, 'a group')
      .optional()
      .describe('A directory, SAML or OpenID Connect group of the user, compared case-insensitively.'),
    network: oneOrMany(cidr, 'an IP address or a CIDR block')
      .optional()
      .describe('The network the sign-in comes from (CIDR blocks or addresses).'),
  })
  .describe('Conditions, all of which must hold; each takes one value or a list of which any may match.');

const ruleSchema = z.strictObject({
  name: nameText.describe('Unique name, reported with every decision.'),
  when: whenSchema.optional(),
  then: oneOf(ACTIONS).describe('skip, confirm (on a new network), confirm_always (every sign-in) or deny.'),
  methods: z
    .array(oneOf(METHOD_IDS))
    .min(1, 'must list at least one method')
    .optional()
    .describe(
      "With confirm or confirm_always: the only methods that may answer this rule's challenge, e.g. [webauthn] for a phishing-resistant one. A network is remembered for the rule only when one of them confirmed it.",
    ),
  notify: z
    .boolean()
    .prefault(true)
    .describe(
      'Email the user after a challenge of this rule passes on a network they had not confirmed before (docs/sign-in-notices.md).',
    ),
});

const rulesSchema = z
  .array(ruleSchema)
  .superRefine(uniqueRuleNames, { when: () => true })
  .prefault(DEFAULT_RULES)
  .describe(
    'Rules in order; the first whose conditions hold decides. With none matching, the user confirms.',
  );

export const policySchema = z
  .strictObject({
    version: z
      .literal(1, {
        error: (issue) =>
          issue.input === undefined
            ? "is required: write 'version: 1'"
            : `must be 1 but it is ${show(issue.input)}`,
      })
      .describe('Format version of this file.'),
    identity_confirmation: identityConfirmationSchema,
    methods: methodsSchema,
    mobile_registration: mobileRegistrationSchema,
    sign_in_throttle: signInThrottleSchema,
    profiles: profilesSchema,
    permission_sets: permissionSetsSchema,
    rules: rulesSchema,
  })
  .superRefine(checkRuleReferences, { when: () => true })
  .superRefine(checkRuleMethods, { when: () => true })
  .describe('policy.yaml: who is challenged, how, and what profiles and permission sets grant.');

export type PolicyInput = z.input<typeof policySchema>;
export type PolicyDocument = z.output<typeof policySchema>;
export type PolicyRule = PolicyDocument['rules'][number];
export type RuleConditions = NonNullable<PolicyRule['when']>;
