/**
 * OpenID Connect federation (SPEC §3 `logins.oidc`) with openid-client: discovery of the provider,
 * the authorization request (code flow, PKCE S256, state, nonce), and the answer's checks.
 *
 * openid-client checks the callback's state and `iss` (RFC 9207, where the provider sends it), redeems
 * the code with the PKCE verifier, and checks the ID token's issuer, audience (and azp), expiry,
 * issue time and nonce. It checks the token's signature only when asked, since the token came
 * straight from the provider over TLS; stepgate asks (enableNonRepudiationChecks), so every ID
 * token is also checked against the keys of the provider's jwks_uri.
 *
 * Every request to the provider goes through one fetch that turns a provider that cannot be reached,
 * does not answer within `timeout`, or answers 5xx into a DependencyUnavailableError (a 503); any
 * other failure of an answer is an OidcRejectedError (a 401). No library error leaves this class.
 */
import * as client from 'openid-client';
import type { Config } from '../../config/schema.js';
import { OIDC_CALLBACK_PATH } from '../../gateway/flows/oidc/routes.js';
import {
  DependencyUnavailableError,
  OidcRejectedError,
  type OidcAuthorization,
  type OidcChecks,
  type OidcIdentity,
  type OidcRelyingParty,
} from '../../gateway/ports.js';
import { identityOf, missingClaims } from './claims.js';

export type OidcSettings = NonNullable<Config['logins']['oidc']>;

const PROVIDER = 'the OpenID Connect provider';

/** The provider did not answer usefully at all: not the answer's fault, and no reason to refuse it. */
class ProviderUnreachable extends DependencyUnavailableError {
  override readonly name = 'ProviderUnreachable';
}

function reasonOf(error: unknown): string {
  if (error instanceof client.AuthorizationResponseError) {
    return `the provider answered ${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  }
  if (error instanceof client.ResponseBodyError) {
    return `the token endpoint answered ${error.status} ${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${message.split('\n')[0]!}${cause}`.slice(0, 300);
}

/** fetch, with a provider that cannot be reached or fails (5xx) told apart from one that answers. */
const providerFetch: client.CustomFetch = async (url, options) => {
  let response: Response;
  try {
    response = await fetch(url, options as RequestInit);
  } catch (error) {
    // fetch says only 'fetch failed'; what failed (refused, DNS, TLS, the timeout) is its cause.
    const reason = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const message = reason instanceof Error ? reason.message : String(reason);
    throw new ProviderUnreachable(PROVIDER, { cause: new Error(`${url}: ${message}`, { cause: error }) });
  }
  if (response.status >= 500) {
    await response.body?.cancel();
    throw new ProviderUnreachable(PROVIDER, { cause: new Error(`${url} answered HTTP ${response.status}`) });
  }
  return response;
};

/** The library wraps errors it meets on the way; the outage may be the cause of the cause. */
function unreachableIn(error: unknown): ProviderUnreachable | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    if (current instanceof ProviderUnreachable) return current;
    current = current.cause;
  }
  return undefined;
}

export class OpenIdRelyingParty implements OidcRelyingParty {
  readonly redirectUri: string;
  private configuration: Promise<client.Configuration> | undefined;

  /**
   * @param oidc the resolved `logins.oidc` section
   * @param server `server.public_url` and `server.base_path`: the redirect URI is
   *   `${public_url}${base_path}/oidc/callback`, which must be registered at the provider
   */
  constructor(
    private readonly oidc: OidcSettings,
    server: Pick<Config['server'], 'public_url' | 'base_path'>,
  ) {
    this.redirectUri = `${server.public_url.replace(/\/+$/, '')}${server.base_path}${OIDC_CALLBACK_PATH}`;
  }

  /**
   * The provider's discovery document, read once and kept; a failed read is not kept, so the next
   * sign-in tries again. Throws DependencyUnavailableError.
   */
  discovered(): Promise<client.Configuration> {
    this.configuration ??= this.discover().catch((error: unknown) => {
      this.configuration = undefined;
      throw error;
    });
    return this.configuration;
  }

  /** Reads the discovery document afresh (`stepgate check --connect`, and each try until one works). */
  async discover(): Promise<client.Configuration> {
    const { issuer, client_id: clientId, client_secret: secret, timeout } = this.oidc;
    const url = new URL(issuer);
    try {
      return await client.discovery(
        url,
        clientId,
        secret === undefined ? undefined : { client_secret: secret },
        secret === undefined ? client.None() : client.ClientSecretBasic(secret),
        {
          // The schema allows http:// only for a provider on this machine.
          execute: [
            client.enableNonRepudiationChecks,
            ...(url.protocol === 'http:' ? [client.allowInsecureRequests] : []),
          ],
          [client.customFetch]: providerFetch,
          timeout: Math.ceil(timeout / 1000),
        },
      );
    } catch (error) {
      // A document that is not the provider's (another issuer, not JSON, no endpoints) is as useless
      // as none: sign-ins through it wait until the provider or the configuration is fixed.
      throw (
        unreachableIn(error) ??
        new DependencyUnavailableError(PROVIDER, { cause: new Error(reasonOf(error)) })
      );
    }
  }

  async start(): Promise<OidcAuthorization> {
    const configuration = await this.discovered();
    const checks: OidcChecks = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
    };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: this.oidc.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      state: checks.state,
      nonce: checks.nonce,
    });
    return { url: url.href, checks };
  }

  async finish(callbackUrl: URL, checks: OidcChecks): Promise<OidcIdentity> {
    const configuration = await this.discovered();
    try {
      const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.codeVerifier,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (!idToken) throw new OidcRejectedError('the token endpoint returned no ID token');
      let claims: Record<string, unknown> = { ...idToken };
      if (
        missingClaims(claims, this.oidc.claims).length > 0 &&
        configuration.serverMetadata().userinfo_endpoint
      ) {
        // UserInfo must be about the same subject (openid-client checks sub); the signed token wins.
        const userInfo = await client.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
        claims = { ...userInfo, ...claims };
      }
      return identityOf(claims, this.oidc.claims);
    } catch (error) {
      if (error instanceof OidcRejectedError) throw error;
      const unreachable = unreachableIn(error);
      if (unreachable) throw unreachable;
      const refusal = error instanceof client.AuthorizationResponseError ? 'idp_refused' : 'rejected';
      throw new OidcRejectedError(reasonOf(error), refusal);
    }
  }
}
