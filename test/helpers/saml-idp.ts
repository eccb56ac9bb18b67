/**
 * A real SAML identity provider for the flow tests, played by samlify: it signs login responses
 * with the fixture key (test/fixtures/saml), both the Response and the Assertion, for the SP that
 * our own metadata describes. Knobs make the bad responses an attacker or a misconfigured IdP
 * would send; the XML helpers edit a response after it was signed.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import * as samlify from 'samlify';
import { loginsSchema } from '../../config/schema.js';
import {
  PassportSamlServiceProvider,
  type SamlAdapterOptions,
  type SamlSettings,
} from '../../adapters/saml/service-provider.js';

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
const BASIC = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic';

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

// The groups attribute is multi-valued, which samlify's attribute builder is not: its values are
// put in place of {GroupValues} before samlify fills the other tags (escaping them).
const ATTRIBUTE_STATEMENT =
  '<saml:AttributeStatement>{Attributes}<saml:Attribute Name="groups" NameFormat="' +
  BASIC +
  '">{GroupValues}</saml:Attribute></saml:AttributeStatement>';

const RESPONSE_TEMPLATE =
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{ID}" Version="2.0" IssueInstant="{IssueInstant}" Destination="{Destination}" InResponseTo="{InResponseTo}">' +
  '<saml:Issuer>{Issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
  '<saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="{AssertionID}" Version="2.0" IssueInstant="{IssueInstant}">' +
  '<saml:Issuer>{Issuer}</saml:Issuer>' +
  '<saml:Subject><saml:NameID Format="{NameIDFormat}">{NameID}</saml:NameID>' +
  '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{ConfirmationNotOnOrAfter}" Recipient="{Recipient}" InResponseTo="{InResponseTo}"/></saml:SubjectConfirmation></saml:Subject>' +
  '<saml:Conditions NotBefore="{NotBefore}" NotOnOrAfter="{NotOnOrAfter}"><saml:AudienceRestriction><saml:Audience>{Audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>' +
  '<saml:AuthnStatement AuthnInstant="{IssueInstant}" SessionIndex="{AssertionID}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>' +
  '{AttributeStatement}</saml:Assertion></samlp:Response>';

function identityProvider(key: 'idp' | 'attacker'): samlify.IdentityProviderInstance {
  return samlify.IdentityProvider({
    entityID: IDP_ENTITY_ID,
    privateKey: fixture(`${key}.key`),
    signingCert: fixture(`${key}.crt`),
    isAssertionEncrypted: false,
    requestSignatureAlgorithm: RSA_SHA256,
    nameIDFormat: [UNSPECIFIED],
    singleSignOnService: [{ Binding: binding.redirect, Location: IDP_SSO_URL }],
    singleLogoutService: [{ Binding: binding.redirect, Location: `${IDP_SSO_URL}/logout` }],
    loginResponseTemplate: {
      context: RESPONSE_TEMPLATE,
      attributes: [
        { name: 'email', valueTag: 'email', nameFormat: BASIC, valueXsiType: 'xs:string' },
        { name: 'userType', valueTag: 'userType', nameFormat: BASIC, valueXsiType: 'xs:string' },
      ],
      additionalTemplates: { attributeStatementTemplate: { context: ATTRIBUTE_STATEMENT } },
    },
  });
}

export const idp = identityProvider('idp');
const attackerIdp = identityProvider('attacker');

export type Signing = 'both' | 'assertion' | 'response';

/** samlify signs what the SP asks for: both from our metadata, or one part from plain settings. */
function samlifyServiceProvider(signing: Signing, metadata: string): samlify.ServiceProviderInstance {
  if (signing === 'both') return samlify.ServiceProvider({ metadata, wantMessageSigned: true });
  return samlify.ServiceProvider({
    entityID: SP_ENTITY_ID,
    assertionConsumerService: [{ Binding: binding.post, Location: ACS_URL }],
    wantAssertionsSigned: signing === 'assertion',
    wantMessageSigned: signing === 'response',
  });
}

export interface SamlUser {
  nameId: string;
  email?: string;
  userType?: string;
  groups?: string[];
}

export interface ResponseKnobs {
  /** Our SP metadata XML (sp.metadata()); the signing SP is built from it. */
  metadata: string;
  signing?: Signing;
  signedBy?: 'idp' | 'attacker';
  issuer?: string;
  audience?: string;
  recipient?: string;
  inResponseTo?: string;
  /** Issue time; NotBefore is this time, NotOnOrAfter five minutes later unless given. */
  issuedAt?: Date;
  notOnOrAfter?: Date;
  /** The bearer SubjectConfirmationData's NotOnOrAfter when it differs; null leaves it out. */
  confirmationNotOnOrAfter?: Date | null;
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const newId = () => `_${randomUUID()}`;

/** A base64 SAMLResponse for the HTTP-POST binding, made by samlify's createLoginResponse. */
export async function samlResponse(user: SamlUser, knobs: ResponseKnobs): Promise<string> {
  const issuedAt = knobs.issuedAt ?? new Date();
  const notOnOrAfter = knobs.notOnOrAfter ?? new Date(issuedAt.getTime() + 5 * 60_000);
  const responseId = newId();
  const groupValues = (user.groups ?? [])
    .map((group) => `<saml:AttributeValue xsi:type="xs:string">${escapeXml(group)}</saml:AttributeValue>`)
    .join('');
  const fill = (template: string) => ({
    id: responseId,
    context: samlify.SamlLib.replaceTagsByValue(template.replace('{GroupValues}', groupValues), {
      ID: responseId,
      AssertionID: newId(),
      IssueInstant: issuedAt.toISOString(),
      Destination: ACS_URL,
      InResponseTo: knobs.inResponseTo,
      Issuer: knobs.issuer ?? IDP_ENTITY_ID,
      NameIDFormat: UNSPECIFIED,
      NameID: user.nameId,
      Recipient: knobs.recipient ?? ACS_URL,
      NotBefore: issuedAt.toISOString(),
      NotOnOrAfter: notOnOrAfter.toISOString(),
      ConfirmationNotOnOrAfter:
        knobs.confirmationNotOnOrAfter === null
          ? undefined
          : (knobs.confirmationNotOnOrAfter ?? notOnOrAfter).toISOString(),
      Audience: knobs.audience ?? SP_ENTITY_ID,
      attrEmail: user.email,
      attrUserType: user.userType,
    }),
  });
  const signer = knobs.signedBy === 'attacker' ? attackerIdp : idp;
  const sp = samlifyServiceProvider(knobs.signing ?? 'both', knobs.metadata);
  const { context } = await signer.createLoginResponse(
    sp,
    { extract: {} },
    'post',
    {},
    { customTagReplacement: fill },
  );
  return context;
}

export const decode = (samlResponse: string): string => Buffer.from(samlResponse, 'base64').toString('utf8');
export const encode = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');

/** The AuthnRequest a GET /saml/login redirect carries, read by the IdP: its id and RelayState. */
export async function authnRequestOf(
  location: string,
  metadata: string,
): Promise<{ id: string; relayState: string | null; xml: string }> {
  const url = new URL(location);
  const SAMLRequest = url.searchParams.get('SAMLRequest') ?? '';
  const RelayState = url.searchParams.get('RelayState');
  const parsed = await idp.parseLoginRequest(samlify.ServiceProvider({ metadata }), 'redirect', {
    query: { SAMLRequest, RelayState },
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
