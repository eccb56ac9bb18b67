/**
 * SAML federation (SPEC §1.6) with passport-saml: our SP metadata, the redirect that starts
 * SP-initiated login, and the check of a POSTed response. passport-saml's Strategy is driven the
 * way passport drives it — on a copy given its own success/fail/error/redirect — so no passport
 * session or middleware is involved; the gateway keeps its own session and replay cache.
 *
 * Both the Response and the Assertion must be signed by a configured IdP certificate. node-saml
 * checks those signatures, times, the audience and InResponseTo; response.ts and assertion.ts check
 * what it leaves out. Times come from the real clock, as inside node-saml. Every refused response is
 * a SamlRejectedError with a short reason for the log; no library error leaves validate().
 *
 * With an SP key pair, AuthnRequests are signed (redirect-signing.ts) and assertions encrypted to
 * our certificate are decrypted; the metadata then publishes the certificate for both uses.
 */
import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import type { Request } from 'express';
import {
  SamlStatusError,
  Strategy,
  ValidateInResponseTo,
  generateServiceProviderMetadata,
  type CacheProvider,
  type PassportSamlConfig,
  type Profile,
  type VerifiedCallback,
} from '@node-saml/passport-saml';
import type { Config } from '../../config/schema.js';
import { ACS_PATH } from '../../gateway/flows/saml/routes.js';
import {
  DependencyUnavailableError,
  SamlRejectedError,
  type SamlIdentity,
  type SamlServiceProvider,
} from '../../gateway/ports.js';
import { identityOf } from './assertion.js';
import { loadIdpCertificates, loadSpKeyPair, type SpKeyPair } from './certificates.js';
import { signRedirect } from './redirect-signing.js';
import { BoundedRequestIdCache } from './request-ids.js';
import { checkResponse, parseResponse } from './response.js';

export { SamlConfigError } from './certificates.js';

export type SamlSettings = NonNullable<Config['logins']['saml']>;

export interface SamlAdapterOptions {
  /** Tolerated clock difference with the IdP. Default 5 s. */
  clockSkewMs?: number;
  /** Where the ids of our AuthnRequests are kept; share one across instances without sticky sessions. */
  requestIds?: CacheProvider;
  /** How long the IdP has to answer an AuthnRequest. Default 1 h. */
  requestLifetimeMs?: number;
}

/** How long the IdP has to answer an AuthnRequest, unless options say otherwise. */
export const DEFAULT_REQUEST_LIFETIME_MS = 60 * 60_000;

const NAME_ID_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

type Outcome =
  | { kind: 'success'; user: unknown }
  | { kind: 'redirect'; url: string }
  | { kind: 'error'; error: unknown }
  | { kind: 'fail' }
  | { kind: 'pass' };

/** The ID of the AuthnRequest in a redirect-binding URL of ours (deflated, base64, in SAMLRequest). */
function requestIdOf(url: string): string {
  const encoded = new URL(url).searchParams.get('SAMLRequest') ?? '';
  const xml = inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
  const id = new DOMParser().parseFromString(xml, 'text/xml').documentElement?.getAttribute('ID');
  if (!id) throw new Error('our AuthnRequest has no ID');
  return id;
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 200);
}

export class PassportSamlServiceProvider implements SamlServiceProvider {
  private readonly strategy: Strategy;
  private readonly acsUrl: string;
  private readonly clockSkewMs: number;
  private readonly spMetadata: string;
  private readonly spKey: SpKeyPair | undefined;

  /**
   * @param saml the resolved `logins.saml` section
   * @param server `server.public_url` and `server.base_path`: the ACS URL is `${public_url}${base_path}/saml/acs`
   * @throws SamlConfigError when an `idp_cert` file cannot be read or holds no certificate, or the
   *   SP key or certificate cannot be read or do not belong together
   */
  constructor(
    private readonly saml: SamlSettings,
    server: Pick<Config['server'], 'public_url' | 'base_path'>,
    options: SamlAdapterOptions = {},
  ) {
    this.acsUrl = `${server.public_url.replace(/\/+$/, '')}${server.base_path}${ACS_PATH}`;
    this.clockSkewMs = options.clockSkewMs ?? 5_000;
    const requestLifetimeMs = options.requestLifetimeMs ?? DEFAULT_REQUEST_LIFETIME_MS;
    this.spKey =
      saml.sp_private_key !== undefined && saml.sp_certificate !== undefined
        ? loadSpKeyPair(saml.sp_private_key, saml.sp_certificate)
        : undefined;
    const config: PassportSamlConfig = {
      entryPoint: saml.entry_point,
      idpIssuer: saml.idp_issuer,
      idpCert: loadIdpCertificates(saml.idp_cert),
      issuer: saml.issuer,
      audience: saml.issuer,
      callbackUrl: this.acsUrl,
      // response.ts relies on it: what it reads of the Response element is what the IdP signed.
      wantAuthnResponseSigned: true,
      wantAssertionsSigned: true,
      // No privateKey: node-saml would sign the request in a form IdPs can refuse (redirect-signing.ts).
      ...(this.spKey && { decryptionPvk: this.spKey.privateKey }),
      acceptedClockSkewMs: this.clockSkewMs,
      identifierFormat: NAME_ID_FORMAT,
      // stepgate does not care how the IdP authenticated the person, and an 'exact'
      // PasswordProtectedTransport request is refused by IdPs when the user signed in otherwise.
      disableRequestedAuthnContext: true,
      // A response without InResponseTo is refused by response.ts unless allow_idp_initiated.
      validateInResponseTo: ValidateInResponseTo.ifPresent,
      requestIdExpirationPeriodMs: requestLifetimeMs,
      cacheProvider:
        options.requestIds ?? new BoundedRequestIdCache({ max: 10_000, ttlMs: requestLifetimeMs }),
    };
    const acceptProfile = (profile: Profile | null, done: VerifiedCallback) =>
      done(null, profile ?? undefined);
    const refuseLogout = (_profile: Profile | null, done: VerifiedCallback) =>
      done(new Error('single logout is not supported'));
    this.strategy = new Strategy(config, acceptProfile, refuseLogout);
    this.spMetadata = generateServiceProviderMetadata({
      issuer: config.issuer,
      callbackUrl: config.callbackUrl,
      identifierFormat: config.identifierFormat,
      wantAssertionsSigned: true,
      ...(this.spKey && {
        // privateKey makes the metadata say AuthnRequestsSigned="true" with the signing certificate.
        privateKey: this.spKey.privateKey,
        publicCerts: this.spKey.certificate,
        decryptionPvk: this.spKey.privateKey,
        decryptionCert: this.spKey.certificate,
      }),
    });
  }

  metadata(): string {
    return this.spMetadata;
  }

  async loginRequest(relayState: string): Promise<{ url: string; requestId: string }> {
    const outcome = await this.drive({ query: { RelayState: relayState }, body: {} });
    if (outcome.kind === 'redirect') {
      const url = this.spKey ? signRedirect(outcome.url, this.spKey.privateKey) : outcome.url;
      return { url, requestId: requestIdOf(url) };
    }
    // The shared store of request ids (Redis) could not keep this one: a 503, as for sessions.
    if (outcome.kind === 'error' && outcome.error instanceof DependencyUnavailableError) throw outcome.error;
    // Building a request from our own settings should not fail; if it does, it is a 500.
    throw new Error(
      `SAML login request failed: ${outcome.kind === 'error' ? reasonOf(outcome.error) : outcome.kind}`,
    );
  }

  /** The URL alone, for callers that do not bind the request to a browser (tests playing the IdP). */
  async loginUrl(relayState: string): Promise<string> {
    return (await this.loginRequest(relayState)).url;
  }

  async validate(body: Record<string, string>): Promise<SamlIdentity> {
    const { SAMLResponse } = body;
    if (!SAMLResponse) throw new SamlRejectedError('no SAMLResponse');
    const response = parseResponse(Buffer.from(SAMLResponse, 'base64').toString('utf8'));
    const outcome = await this.drive({ query: {}, body: { SAMLResponse } });
    if (outcome.kind === 'error') {
      // Not the response's fault: the request ids could not be looked up. A 503, not a refusal.
      if (outcome.error instanceof DependencyUnavailableError) throw outcome.error;
      // node-saml's answer to an error status without an assertion: the IdP did not sign them in.
      const refusal = outcome.error instanceof SamlStatusError ? 'idp_refused' : 'rejected';
      throw new SamlRejectedError(reasonOf(outcome.error), refusal);
    }
    if (outcome.kind !== 'success')
      throw new SamlRejectedError(`no sign-in in the response (${outcome.kind})`);
    try {
      checkResponse(response, {
        idpIssuer: this.saml.idp_issuer,
        acsUrl: this.acsUrl,
        allowIdpInitiated: this.saml.allow_idp_initiated,
      });
      const identity = identityOf(outcome.user as Profile, {
        idpIssuer: this.saml.idp_issuer,
        acsUrl: this.acsUrl,
        attributes: this.saml.attributes,
        clockSkewMs: this.clockSkewMs,
        now: new Date(),
      });
      return { ...identity, inResponseTo: response.getAttribute('InResponseTo') || undefined };
    } catch (error) {
      if (error instanceof SamlRejectedError) throw error;
      throw new SamlRejectedError(reasonOf(error));
    }
  }

  /** Runs the strategy on a request of our making and reports which action it ended with. */
  private drive(request: { query: Record<string, string>; body: Record<string, string> }): Promise<Outcome> {
    return new Promise((resolve) => {
      const run: Strategy = Object.assign(Object.create(this.strategy) as Strategy, {
        success: (user: unknown) => resolve({ kind: 'success', user }),
        redirect: (url: string) => resolve({ kind: 'redirect', url }),
        error: (error: unknown) => resolve({ kind: 'error', error }),
        fail: () => resolve({ kind: 'fail' }),
        pass: () => resolve({ kind: 'pass' }),
      });
      try {
        run.authenticate({ ...request, headers: {}, url: '/' } as unknown as Request, {});
      } catch (error) {
        resolve({ kind: 'error', error });
      }
    });
  }
}
