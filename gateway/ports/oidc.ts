/**
 * The port of OpenID Connect federation (SPEC §3 `logins.oidc`): stepgate as a relying party of
 * one provider, authorization code flow with PKCE. Re-exported by gateway/ports.ts.
 */

/**
 * What one sign-in needs to remember between the redirect to the provider and its answer. The
 * route keeps it in a cookie of the browser that started (gateway/flows/oidc/pending.ts).
 */
export interface OidcChecks {
  /** Echoed by the provider in the callback: which sign-in this answer belongs to. */
  state: string;
  /** Must come back inside the ID token: the token was issued for this very sign-in. */
  nonce: string;
  /** PKCE: only the party that started the sign-in can redeem its code. */
  codeVerifier: string;
}

export interface OidcAuthorization {
  /** The provider's authorization endpoint with our request. */
  url: string;
  checks: OidcChecks;
}

/** What a checked ID token (and, for claims it lacks, the UserInfo endpoint) says about the person. */
export interface OidcIdentity {
  /** The value of the configured username claim (`sub` by default). */
  username: string;
  /** The provider's `sub`, for the log. */
  subject: string;
  email?: string | undefined;
  userType?: string | undefined;
  groups: string[];
}

/**
 * Why an answer was refused, as far as the person may be told: the provider said it did not sign
 * them in (an `error` in the callback), or anything else (a code already used or not ours, an ID
 * token that fails a check).
 */
export type OidcRefusal = 'rejected' | 'idp_refused';

/** An answer that does not pass: the callback answers 401, never 500. The message is for the log. */
export class OidcRejectedError extends Error {
  override readonly name = 'OidcRejectedError';

  constructor(
    message: string,
    readonly refusal: OidcRefusal = 'rejected',
  ) {
    super(message);
  }
}

export interface OidcRelyingParty {
  /**
   * A new sign-in: fresh state, nonce and PKCE verifier, and the authorization URL carrying them.
   * Throws DependencyUnavailableError when the provider's discovery document cannot be had.
   */
  start(): Promise<OidcAuthorization>;
  /**
   * The provider's answer at our redirect URI (`callbackUrl`, with its query): checks it against
   * `checks`, redeems the code with the PKCE verifier, and checks the ID token against the
   * provider's keys (signature, issuer, audience, expiry, nonce). Throws OidcRejectedError for an
   * answer that does not pass, DependencyUnavailableError when the provider does not answer.
   */
  finish(callbackUrl: URL, checks: OidcChecks): Promise<OidcIdentity>;
}
