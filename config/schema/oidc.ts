/** stepgate.yaml `logins.oidc`: federated sign-in as an OpenID Connect relying party (docs/oidc.md). */
import { z } from 'zod';
import { duration } from '../duration.js';

/** Hosts an http:// issuer may name: a provider on this machine, as in tests and development. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const ISSUER = 'an https:// URL (http:// only for localhost) without a query or fragment';

/**
 * The issuer, whose discovery document is at `<issuer>/.well-known/openid-configuration`. Over
 * plain http anyone on the path could hand stepgate their own keys, so only a loopback provider may
 * be reached that way.
 */
function isIssuer(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (value.includes('?') || value.includes('#')) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

const shown = (input: unknown) => (typeof input === 'string' ? `'${input}'` : JSON.stringify(input));

const issuer = z
  .string()
  .refine(isIssuer, { error: (issue) => `must be ${ISSUER} but it is ${shown(issue.input)}` })
  .meta({ format: 'uri', examples: ['https://idp.example.org/realms/corp'] })
  .describe(
    "The provider's issuer identifier; its discovery document is read from /.well-known/openid-configuration under it, and every ID token must name it as iss.",
  );

const claimName = (name: string, what: string) =>
  z.string().min(1, 'must not be empty').prefault(name).describe(what);

const claimsSchema = z
  .strictObject({
    username: claimName(
      'sub',
      'Claim naming the user in stepgate (limits, history, the admin API). sub is the only claim OpenID Connect promises is unique and never reassigned; name another only when the provider does not let people choose its value.',
    ),
    email: claimName(
      'email',
      'Claim holding the email address; not used when the provider says email_verified: false.',
    ),
    user_type: claimName('user_type', 'Claim holding the user type (standard, portal or external).'),
    groups: claimName(
      'groups',
      "Claim holding the groups (a list, or one text); matched against the policy's groups: ignoring case.",
    ),
  })
  .prefault({})
  .describe(
    'Which claims stepgate reads, from the ID token, or from the UserInfo endpoint when the ID token lacks them.',
  );

const scope = z
  .string()
  .regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be one scope word without spaces or quotes');

export const oidcSchema = z
  .strictObject({
    issuer,
    client_id: z.string().min(1, 'must not be empty').describe('Our client id at the provider.'),
    client_secret: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe(
        'Our client secret, sent with HTTP Basic authentication to the token endpoint. Without it stepgate is a public client, proved by PKCE alone.',
      ),
    scopes: z
      .array(scope)
      .min(1, 'must list at least one scope')
      .refine((scopes) => scopes.includes('openid'), {
        error: (issue) => `must include openid but it is ${JSON.stringify(issue.input)}`,
      })
      .prefault(['openid', 'email', 'profile'])
      .describe(
        'Scopes requested at sign-in; openid is required. Add the scope that releases groups, if any.',
      ),
    claims: claimsSchema,
    display_name: z
      .string()
      .min(1, 'must not be empty')
      .prefault('your identity provider')
      .describe("Shown on the sign-in page's button: 'Sign in with <display_name>'."),
    timeout: duration({ max: 60_000 })
      .prefault('10s')
      .describe(
        'How long stepgate waits for each answer of the provider (discovery, keys, token, UserInfo); a provider that does not answer in time is a 503.',
      ),
  })
  .describe(
    'Federated sign-in as an OpenID Connect relying party (authorization code with PKCE); login kind oidc, which the default policy does not prompt.',
  );
