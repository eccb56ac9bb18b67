/**
 * The OpenID Connect provider of `logins.oidc`, for `stepgate serve` and `stepgate check --connect`.
 * At start its discovery document is read in the background: a provider that cannot be read is
 * logged and asked again at the first sign-in through it (those sign-ins get a 503 meanwhile), so
 * an outage of the provider never keeps stepgate, and the other ways of signing in, from starting.
 */
import { OpenIdRelyingParty } from '../adapters/oidc/relying-party.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../gateway/ports.js';
import { StartupError } from './open.js';

const SECTION = 'logins.oidc';

function reasonOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

/** `serve`: the relying party when logins.oidc is configured, its discovery started. */
export function openOidc(config: Config, logger: Logger): OpenIdRelyingParty | undefined {
  const oidc = config.logins.oidc;
  if (!oidc) return undefined;
  const relyingParty = new OpenIdRelyingParty(oidc, config.server);
  relyingParty.discovered().catch((error: unknown) => {
    logger.warn('OpenID Connect provider not reachable at start; sign-ins through it get 503 until it is', {
      issuer: oidc.issuer,
      error: reasonOf(error),
    });
  });
  return relyingParty;
}

/** `check --connect`: the line to print when the discovery document is read; throws StartupError (one line) when not. */
export async function connectOidc(config: Config): Promise<string | undefined> {
  const oidc = config.logins.oidc;
  if (!oidc) return undefined;
  const relyingParty = new OpenIdRelyingParty(oidc, config.server);
  let metadata;
  try {
    metadata = (await relyingParty.discover()).serverMetadata();
  } catch (error) {
    throw new StartupError(
      `${SECTION}: cannot read the discovery document of ${oidc.issuer}: ${reasonOf(error)}`,
    );
  }
  if (!metadata.jwks_uri) {
    throw new StartupError(
      `${SECTION}: ${oidc.issuer} publishes no jwks_uri, so its ID tokens cannot be checked`,
    );
  }
  return `${SECTION}: discovered ${metadata.issuer}; register ${relyingParty.redirectUri} as a redirect URI of client '${oidc.client_id}'`;
}
