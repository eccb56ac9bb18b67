/**
 * Reads an OidcIdentity out of the claims of a checked ID token (and, for claims it lacks, the
 * UserInfo answer), mapped by `logins.oidc.claims` the way SAML attributes are mapped.
 */
import { OidcRejectedError, type OidcIdentity } from '../../gateway/ports.js';

export interface ClaimNames {
  username: string;
  email: string;
  user_type: string;
  groups: string;
}

/** As the sidecar limits `user`: a longer value is no one's username. */
const USERNAME_LIMIT = 256;

type Claims = Record<string, unknown>;

function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A list of texts, or one text (some providers send one group unwrapped); anything else is none. */
function texts(value: unknown): string[] {
  if (typeof value === 'string') return text(value) === undefined ? [] : [value.trim()];
  if (!Array.isArray(value)) return [];
  return value.map(text).filter((item): item is string => item !== undefined);
}

/** The mapped claims the ID token does not carry: the UserInfo endpoint is asked for them. */
export function missingClaims(claims: Claims, names: ClaimNames): string[] {
  return Object.values(names).filter((name) => claims[name] === undefined);
}

export function identityOf(claims: Claims, names: ClaimNames): OidcIdentity {
  const subject = text(claims.sub);
  if (subject === undefined) throw new OidcRejectedError('the ID token has no sub');
  const username = text(claims[names.username]);
  if (username === undefined) {
    throw new OidcRejectedError(`the '${names.username}' claim (claims.username) is missing or not a text`);
  }
  if (username.length > USERNAME_LIMIT) {
    throw new OidcRejectedError(`the '${names.username}' claim is longer than ${USERNAME_LIMIT} characters`);
  }
  // A provider that says it never checked the address cannot have codes sent there on its word.
  // (Some providers send the boolean as text.)
  const verified = claims.email_verified;
  const unverified = names.email === 'email' && (verified === false || verified === 'false');
  return {
    username,
    subject,
    email: unverified ? undefined : text(claims[names.email]),
    userType: text(claims[names.user_type]),
    groups: texts(claims[names.groups]),
  };
}
