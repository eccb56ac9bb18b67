/**
 * The policy in force when stepgate.yaml names no policy_file. It reproduces SPEC section 1:
 * portal users at the portal entry point and federated (SAML, OpenID Connect) sign-ins skip
 * confirmation, everyone else confirms each new network.
 * config/policy.example.yaml holds the same text for admins to copy (a test keeps them equal).
 */
import { parse } from 'yaml';
import { policySchema, type PolicyDocument } from './schema.js';

export const DEFAULT_POLICY_YAML = `# stepgate policy: who is challenged to confirm their identity, how, and what profiles and
# permission sets grant. stepgate reloads this file when it changes (or on SIGHUP); a file
# with errors is refused, its problems logged, and the last good policy stays in force.
# Every key below shows its default; \`stepgate check\` validates the file.
version: 1

identity_confirmation:
  # Sign-ins from these networks are never challenged, e.g. [10.0.0.0/8, 2001:db8::/32].
  trusted_networks: []
  # After a successful challenge the user's network is remembered ("activated") for this
  # long: a duration such as 90d, or 0 to keep it until it is revoked.
  remember_networks_for: 0
  # A source address is remembered as its network: /32 for IPv4, /64 for IPv6.
  ipv4_prefix: 32
  ipv6_prefix: 64
  # One-time codes sent by SMS or email: digits (4 to 10), how long they last (at most 24h),
  # and how many wrong entries void one.
  code: { length: 6, lifetime: 10m, max_attempts: 5 }
  # This many consecutive failures within \`window\` lock the user out for \`duration\`.
  # Sending a new code does not reset the count.
  lockout: { max_failures: 10, window: 1h, duration: 1h }

# How many codes may be sent per user in a rolling window; the next request is refused
# (HTTP 429). SMS numbers may be limited to some countries (ISO 3166 alpha-2 codes such as
# [US, GB]; empty allows any).
methods:
  email: { enabled: true, send_limit: { count: 10, per: 1h } }
  sms:
    enabled: true
    send_limit: { count: 5, per: 1h }
    allowed_countries: []
    # Against SMS pumping (toll fraud spread over many users): budgets shared by the whole fleet,
    # per destination country (named ones apart) and per source network (an IPv4 /24, an IPv6
    # /64), and number types refused besides premium-rate and unassigned ones (docs/sms-pumping.md).
    pumping_guard:
      fleet_budget: { count: 1000, per: 1h }
      country_budget: { count: 200, per: 1h }
      country_budgets: {}
      per_network: { count: 20, per: 1h }
      refused_number_types: [SHARED_COST, PERSONAL_NUMBER]
  authenticator: { enabled: true, issuer: stepgate }
  temporary_code: { enabled: true, issue_limit: { count: 6, per: 1h } }

# Users who must confirm and have no verified mobile are asked for one at sign-in. They may
# decline and continue with email, and are asked again after \`reprompt_after\` (a duration
# such as 30d, or never). The number is proved by an SMS code.
mobile_registration:
  prompt: true
  allow_decline: true
  reprompt_after: never
  code_lifetime: 15m
  max_attempts: 3

# Password guessing: this many failed sign-ins (direct or LDAP) in a rolling window \`per\`, for
# one username however it is typed (known or not) or from one network (an IPv4 address, an
# IPv6 /64), and further sign-ins are refused (HTTP 429) without the password being checked.
sign_in_throttle:
  per_user: { count: 10, per: 15m }
  per_network: { count: 100, per: 15m }

# A user holds one profile: the one named for them in the users file or directory, else the
# first whose \`groups\` include one of their directory, SAML or OpenID Connect groups, else
# Standard User. Names and groups are compared ignoring letter case.
profiles:
  Standard User: {}
  Help Desk: { permissions: [manage_identity_confirmation] }

# A user holds every permission set assigned to them (users file, directory, admin API/CLI)
# and every set whose \`groups\` include one of their groups.
permission_sets:
  # Users with a verified mobile are offered SMS and not email, unless they hold this.
  Email-Based Identity Confirmation Option:
    permissions: [email_identity_confirmation]
    groups: []

# The first rule whose \`when\` holds decides; a sign-in no rule matches must confirm.
# \`when\` may test entry_point, login (direct | delegated | saml | oidc), user_type (standard |
# portal | external), profile, permission_set, group and network (CIDR blocks); each takes
# one value or a list of which any may match, and all tests in a \`when\` must hold.
# \`then\` is skip, confirm (challenge on a network not confirmed before), confirm_always
# (challenge every sign-in) or deny.
# The entry point comes from the Host header, which any client can set: a rule never skips on
# the entry point alone, it also tests who the user is (\`stepgate check\` warns otherwise).
# After a challenge on a new network the user is emailed a notice (docs/sign-in-notices.md);
# \`notify: false\` on a rule turns it off for the sign-ins that rule decides, e.g.
#   - { name: office, when: { network: 10.0.0.0/8 }, then: confirm, notify: false }
rules:
  - { name: portal users, when: { entry_point: portal, user_type: portal }, then: skip }
  - { name: SAML federation, when: { login: saml }, then: skip }
  - { name: OpenID Connect federation, when: { login: oidc }, then: skip }
  - { name: everyone else, then: confirm }
`;

/** The built-in policy, parsed afresh so a caller may not change what the next one gets. */
export function defaultPolicy(): PolicyDocument {
  return policySchema.parse(parse(DEFAULT_POLICY_YAML));
}
