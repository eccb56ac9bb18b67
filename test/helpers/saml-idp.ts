/**
 * A real SAML identity provider for the flow tests, played by samlify: it signs login responses
 * with the fixture key (test/fixtures/saml), both the Response and the Assertion, for the SP that
 * our own metadata describes, and encrypts the assertion to the SP's certificate when asked. Knobs
 * make the bad responses an attacker or a misconfigured IdP would send, each changing one thing
 * before the response is signed, so a refusal proves the check and not a broken signature; the
 * XML helpers edit a response after it was signed. Reading our AuthnRequest, it checks the
 * redirect signature over the query as it arrived whenever our metadata says requests are signed.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import * as samlify from 'samlify';
import { loginsSchema } from '../../config/schema.js';
import {
  ATTRIBUTE_STATEMENT,
  RESPONSE_TEMPLATE,
  SAML_SUCCESS,
  TEMPLATE_ATTRIBUTES,
  escapeXml,
  moreAttributesXml,
  type SamlUser,
} from '../../lib/testing/saml-idp.js';
import {
  PassportSamlServiceProvider,
  type SamlAdapterOptions,
  type SamlSettings,
} from '../../adapters/saml/service-provider.js';

// The response template and the attribute builder are the test kit's (stepgate/testing).
export type { SamlAttribute, SamlUser } from '../../lib/testing/saml-idp.js';

// The SP side is node-saml, which checks what it receives itself; samlify only parses our AuthnRequest.
samlify.setSchemaValidator({ validate: () => Promise.resolve('skipped') });

const FIXTURES = new URL('../fixtures/saml/', import.meta.url);
export const fixturePath = (name: string): string => new URL(name, FIXTURES).pathname;
export const fixture = (name: string): string => readFileSync(fixturePath(name), 'utf8');

export const IDP_ENTITY_ID = 'https://idp.test.example/saml';
export const IDP_SSO_URL = 'https://idp.test.example/sso';
export const SP_ENTITY_ID = 'stepgate';
/** server.public_url and base_path as test/helpers/gateway.ts leaves them by default. */
export const SERVER = { public_url: 'http://localhost:8080', base_path: '/_stepgate' };
export const ACS_URL = 'http://localhost:8080/_stepgate/saml/acs';

const { binding } = samlify.Constants.namespace;
const RSA_SHA256 = samlify.Constants.algorithms.signature.RSA_SHA256;
const UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

/** The SP key pair of the fixtures, as `logins.saml` names it. */
export const SP_KEY = { sp_private_key: fixturePath('sp.key'), sp_certificate: fixturePath('sp.crt') };

/** `logins.saml` as stepgate.yaml would give it, resolved by the config schema. */
export function samlSettings(overrides: Record<string, unknown> = {}): SamlSettings {
  const saml = loginsSchema.parse({
    saml: {
      entry_point: IDP_SSO_URL,
      idp_issuer: IDP_ENTITY_ID,
      idp_cert: fixturePath('idp.crt'),
      issuer: SP_ENTITY_ID,
      ...overrides,
    },
  }).saml;
  if (!saml) throw new Error('no saml settings');
  return saml;
}

export function serviceProvider(
  overrides: Record<string, unknown> = {},
  options: SamlAdapterOptions = {},
): PassportSamlServiceProvider {
  return new PassportSamlServiceProvider(samlSettings(overrides), SERVER, options);
}

function identityProvider(
  key: 'idp' | 'attacker',
  options: { encrypts?: boolean; wantsSignedRequests?: boolean } = {},
): samlify.IdentityProviderInstance {
  return samlify.IdentityProvider({
    entityID: IDP_ENTITY_ID,
    privateKey: fixture(`${key}.key`),
    signingCert: fixture(`${key}.crt`),
    isAssertionEncrypted: options.encrypts ?? false,
    wantAuthnRequestsSigned: options.wantsSignedRequests ?? false,
    requestSignatureAlgorithm: RSA_SHA256,
    nameIDFormat: [UNSPECIFIED],
    singleSignOnService: [{ Binding: binding.redirect, Location: IDP_SSO_URL }],
    singleLogoutService: [{ Binding: binding.redirect, Location: `${IDP_SSO_URL}/logout` }],
    loginResponseTemplate: {
      context: RESPONSE_TEMPLATE,
      attributes: TEMPLATE_ATTRIBUTES,
      additionalTemplates: { attributeStatementTemplate: { context: ATTRIBUTE_STATEMENT } },
    },
  });
}

export const idp = identityProvider('idp');
const encryptingIdp = identityProvider('idp', { encrypts: true });
const attackerIdp = identityProvider('attacker');
/** The IdP as it reads the requests of an SP whose metadata says AuthnRequestsSigned. */
const verifyingIdp = identityProvider('idp', { wantsSignedRequests: true });

export type Signing = 'both' | 'assertion' | 'response';

/** With no Issuer in the Response, its signature goes first, where the Issuer would have been. */
const SIGNATURE_FIRST = {
  prefix: 'ds',
  location: { reference: "/*[local-name(.)='Response']", action: 'prepend' as const },
};

/** samlify signs what the SP asks for: both from our metadata, or one part from plain settings. */
function samlifyServiceProvider(
  signing: Signing,
  metadata: string,
  signatureFirst: boolean,
): samlify.ServiceProviderInstance {
  const signatureConfig = signatureFirst ? { signatureConfig: SIGNATURE_FIRST } : {};
  if (signing === 'both') {
    return samlify.ServiceProvider({ metadata, wantMessageSigned: true, ...signatureConfig });
  }
  return samlify.ServiceProvider({
    entityID: SP_ENTITY_ID,
    assertionConsumerService: [{ Binding: binding.post, Location: ACS_URL }],
    wantAssertionsSigned: signing === 'assertion',
    wantMessageSigned: signing === 'response',
    ...signatureConfig,
  });
}

export interface ResponseKnobs {
  /** Our SP metadata XML (sp.metadata()); the signing SP is built from it. */
  metadata: string;
  signing?: Signing;
  signedBy?: 'idp' | 'attacker';
  /** The assertion's Issuer. */
  issuer?: string;
  /** The Response's own Issuer; null leaves it out. */
  responseIssuer?: string | null;
  /** The Response's Destination; null leaves it out. */
  destination?: string | null;
  /** The top-level StatusCode, Success unless given, and a second-level one inside it. */
  statusCode?: string;
  secondLevelStatusCode?: string;
  audience?: string;
  /** The bearer SubjectConfirmationData's Recipient; null leaves it out. */
  recipient?: string | null;
  /** The AuthnRequest answered; without it the response is IdP-initiated. */
  inResponseTo?: string;
  /** The assertion encrypted to the encryption certificate of our metadata. */
  encrypted?: boolean;
  /** No assertion at all, as in an IdP's error response; sign it with signing: 'response'. */
  withoutAssertion?: boolean;
  /** Issue time; NotBefore is this time, NotOnOrAfter five minutes later unless given. */
  issuedAt?: Date;
  notOnOrAfter?: Date;
  /** The bearer SubjectConfirmationData's NotOnOrAfter when it differs; null leaves it out. */
  confirmationNotOnOrAfter?: Date | null;
}

const newId = () => `_${randomUUID()}`;

/** null leaves the placeholder's attribute or element out; undefined takes the default. */
const orDefault = <T>(value: T | null | undefined, fallback: T): T | undefined =>
  value === null ? undefined : (value ?? fallback);

/** A base64 SAMLResponse for the HTTP-POST binding, made by samlify's createLoginResponse. */
export async function samlResponse(user: SamlUser, knobs: ResponseKnobs): Promise<string> {
  const issuedAt = knobs.issuedAt ?? new Date();
  const notOnOrAfter = knobs.notOnOrAfter ?? new Date(issuedAt.getTime() + 5 * 60_000);
  const responseId = newId();
  const moreAttributes = moreAttributesXml(user);
  const secondLevel = knobs.secondLevelStatusCode
    ? `<samlp:StatusCode Value="${escapeXml(knobs.secondLevelStatusCode)}"/>`
    : '';
  const fill = (template: string) => ({
    id: responseId,
    context: samlify.SamlLib.replaceTagsByValue(
      template
        .replace(knobs.withoutAssertion ? /<saml:Assertion[\s\S]*<\/saml:Assertion>/ : '', '')
        .replace('{MoreAttributes}', moreAttributes)
        .replace('{SecondLevelStatus}', secondLevel),
      {
        ID: responseId,
        AssertionID: newId(),
        IssueInstant: issuedAt.toISOString(),
        Destination: orDefault(knobs.destination, ACS_URL),
        InResponseTo: knobs.inResponseTo,
        ResponseIssuer: orDefault(knobs.responseIssuer, IDP_ENTITY_ID),
        StatusCode: knobs.statusCode ?? SAML_SUCCESS,
        Issuer: knobs.issuer ?? IDP_ENTITY_ID,
        NameIDFormat: UNSPECIFIED,
        NameID: user.nameId,
        Recipient: orDefault(knobs.recipient, ACS_URL),
        NotBefore: issuedAt.toISOString(),
        NotOnOrAfter: notOnOrAfter.toISOString(),
        ConfirmationNotOnOrAfter: orDefault(knobs.confirmationNotOnOrAfter, notOnOrAfter)?.toISOString(),
        Audience: knobs.audience ?? SP_ENTITY_ID,
        attrEmail: user.email,
        attrUserType: user.userType,
      },
    ),
  });
  const signer = knobs.signedBy === 'attacker' ? attackerIdp : knobs.encrypted ? encryptingIdp : idp;
  const signatureFirst = knobs.responseIssuer === null;
  const sp = samlifyServiceProvider(knobs.signing ?? 'both', knobs.metadata, signatureFirst);
  // Encrypt, then sign the Response: signing first would leave a signature over what was replaced.
  const { context } = await signer.createLoginResponse(
    sp,
    { extract: {} },
    'post',
    {},
    { customTagReplacement: fill, encryptThenSign: true },
  );
  return context;
}

/** A response answering a fresh AuthnRequest of `sp`, as the IdP answers an SP-initiated sign-in. */
export async function answerTo(
  sp: Pick<PassportSamlServiceProvider, 'loginUrl' | 'metadata'>,
  user: SamlUser,
  knobs: Partial<ResponseKnobs> = {},
): Promise<string> {
  const metadata = sp.metadata();
  const { id } = await authnRequestOf(await sp.loginUrl('/'), metadata);
  return samlResponse(user, { metadata, inResponseTo: id, ...knobs });
}

/** Anything that GETs like a supertest agent: the browser that will post the answer. */
export interface Browser {
  get(url: string): PromiseLike<{ status: number; headers: Record<string, unknown> }>;
}

/**
 * The IdP's answer to the AuthnRequest that `browser` started at GET /saml/login, as a real
 * sign-in goes: the gateway binds the request to that browser with a cookie (login CSRF), so the
 * answer is accepted only when the same browser posts it.
 */
export async function answerFor(
  browser: Browser,
  sp: Pick<PassportSamlServiceProvider, 'metadata'>,
  user: SamlUser,
  knobs: Partial<ResponseKnobs> = {},
  returnTo = '/',
): Promise<string> {
  const start = await browser.get(`${SERVER.base_path}/saml/login?return_to=${encodeURIComponent(returnTo)}`);
  const location = start.headers.location;
  if (start.status !== 302 || typeof location !== 'string') {
    throw new Error(`GET /saml/login answered ${start.status}, not a redirect to the IdP`);
  }
  const metadata = sp.metadata();
  const { id } = await authnRequestOf(location, metadata);
  return samlResponse(user, { metadata, inResponseTo: id, ...knobs });
}

export const decode = (samlResponse: string): string => Buffer.from(samlResponse, 'base64').toString('utf8');
export const encode = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');

/**
 * The AuthnRequest a GET /saml/login redirect carries, read by the IdP: its id and RelayState.
 * When our metadata says AuthnRequestsSigned, the signature is checked as an IdP checks it (SAML
 * bindings 3.4.4.1): over the query's SAMLRequest, RelayState and SigAlg exactly as they arrived.
 */
export async function authnRequestOf(
  location: string,
  metadata: string,
): Promise<{ id: string; relayState: string | null; xml: string }> {
  const url = new URL(location);
  const SAMLRequest = url.searchParams.get('SAMLRequest') ?? '';
  const RelayState = url.searchParams.get('RelayState');
  const sp = samlify.ServiceProvider({ metadata });
  const signed = sp.entityMeta.isAuthnRequestSigned();
  const octetString = url.search
    .slice(1)
    .split('&')
    .filter((pair) => /^(SAMLRequest|RelayState|SigAlg)=/.test(pair))
    .join('&');
  const parsed = await (signed ? verifyingIdp : idp).parseLoginRequest(sp, 'redirect', {
    query: {
      SAMLRequest,
      RelayState,
      SigAlg: url.searchParams.get('SigAlg'),
      Signature: url.searchParams.get('Signature'),
    },
    octetString,
  });
  const id = parsed.extract.request?.id;
  if (typeof id !== 'string') throw new Error('no AuthnRequest id');
  return {
    id,
    relayState: RelayState,
    xml: inflateRawSync(Buffer.from(SAMLRequest, 'base64')).toString('utf8'),
  };
}

/** What a naive reader takes from a response: the text of the first NameID in the document. */
export function firstNameId(xml: string): string | undefined {
  return /<saml:NameID[^>]*>([^<]*)<\/saml:NameID>/.exec(xml)?.[1];
}

/** Every XML signature removed: what a response nobody signed looks like. */
export function withoutSignatures(xml: string): string {
  return xml.replace(/<ds:Signature[\s\S]*?<\/ds:Signature>/g, '');
}

/** The signed Assertion element, as it appears in the response. */
export function assertionOf(xml: string): string {
  const match = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(xml);
  if (!match) throw new Error('no assertion in the response');
  return match[0];
}
