/**
 * A SAML identity provider for tests, played by samlify: it answers stepgate's AuthnRequests with
 * responses it signs (Response and Assertion) for any user and attributes, with a key pair made
 * for it alone. samlify is an optional peer dependency of stepgate: loaded only here, only when a
 * test asks for an identity provider. Responses are issued at the real time, whatever a test clock
 * says: stepgate's SAML library judges NotBefore and NotOnOrAfter by the system clock.
 */
import { randomUUID } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import type * as samlifyModule from 'samlify';
import { DEFAULT_BASE_PATH, UnexpectedAnswerError, type Agent } from './agent.js';
import { selfSignedCertificate } from './certificate.js';

// A type-only import: the package itself is loaded by loadSamlify, and only when asked for.
type Samlify = typeof samlifyModule;

const UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
const BASIC = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic';
export const SAML_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

// Multi-valued attributes (groups) and FriendlyNames are beyond samlify's attribute builder: they
// are put in place of {MoreAttributes} before samlify fills the other tags (escaping them).
export const ATTRIBUTE_STATEMENT =
  '<saml:AttributeStatement>{Attributes}{MoreAttributes}</saml:AttributeStatement>';

// Placeholders given no value are left out by samlify, attribute or element.
export const RESPONSE_TEMPLATE =
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{ID}" Version="2.0" IssueInstant="{IssueInstant}" Destination="{Destination}" InResponseTo="{InResponseTo}">' +
  '<saml:Issuer>{ResponseIssuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="{StatusCode}">{SecondLevelStatus}</samlp:StatusCode></samlp:Status>' +
  '<saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="{AssertionID}" Version="2.0" IssueInstant="{IssueInstant}">' +
  '<saml:Issuer>{Issuer}</saml:Issuer>' +
  '<saml:Subject><saml:NameID Format="{NameIDFormat}">{NameID}</saml:NameID>' +
  '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{ConfirmationNotOnOrAfter}" Recipient="{Recipient}" InResponseTo="{InResponseTo}"/></saml:SubjectConfirmation></saml:Subject>' +
  '<saml:Conditions NotBefore="{NotBefore}" NotOnOrAfter="{NotOnOrAfter}"><saml:AudienceRestriction><saml:Audience>{Audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>' +
  '<saml:AuthnStatement AuthnInstant="{IssueInstant}" SessionIndex="{AssertionID}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>' +
  '{AttributeStatement}</saml:Assertion></samlp:Response>';

/** The attributes samlify's own builder fills: `email` and `userType`, as stepgate reads them by default. */
export const TEMPLATE_ATTRIBUTES = [
  { name: 'email', valueTag: 'email', nameFormat: BASIC, valueXsiType: 'xs:string' },
  { name: 'userType', valueTag: 'userType', nameFormat: BASIC, valueXsiType: 'xs:string' },
];

/** One more attribute of the assertion, matched by stepgate by Name or FriendlyName. */
export interface SamlAttribute {
  name: string;
  friendlyName?: string;
  values: string[];
}

/** Who the identity provider says signed in. */
export interface SamlUser {
  nameId: string;
  email?: string;
  userType?: string;
  groups?: string[];
  /** Attributes besides email, userType and groups. */
  attributes?: SamlAttribute[];
}

export const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function attributeXml({ name, friendlyName, values }: SamlAttribute): string {
  const friendly = friendlyName === undefined ? '' : ` FriendlyName="${escapeXml(friendlyName)}"`;
  const valueXml = values
    .map((value) => `<saml:AttributeValue xsi:type="xs:string">${escapeXml(value)}</saml:AttributeValue>`)
    .join('');
  return `<saml:Attribute Name="${escapeXml(name)}"${friendly} NameFormat="${BASIC}">${valueXml}</saml:Attribute>`;
}

/** The attributes after email and userType: groups (possibly none), then any others. */
export function moreAttributesXml(user: SamlUser): string {
  return [{ name: 'groups', values: user.groups ?? [] }, ...(user.attributes ?? [])]
    .map(attributeXml)
    .join('');
}

async function loadSamlify(): Promise<Samlify> {
  try {
    const module = (await import('samlify')) as Samlify & { default?: Samlify };
    // samlify is CommonJS: Node's ESM loader finds only some of its names outside `default`.
    return module.default ?? module;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error(
      "stepgate/testing: the SAML identity provider needs the package 'samlify' (an optional peer " +
        'dependency of stepgate): npm install --save-dev samlify',
      { cause: error },
    );
  }
}

/** What an AuthnRequest asks: which request to answer, where, and for whom. */
export interface AuthnRequest {
  id: string;
  /** The SP's entity id (the request's Issuer): the response's Audience. */
  issuer: string;
  /** Where the response is posted: its Destination and Recipient. */
  acsUrl: string;
  relayState: string | null;
}

/** Reads the AuthnRequest of a redirect-binding URL (GET /saml/login's Location). */
export function readAuthnRequest(location: string): AuthnRequest {
  const url = new URL(location);
  const encoded = url.searchParams.get('SAMLRequest');
  if (!encoded) throw new Error(`test identity provider: no SAMLRequest in ${location}`);
  const xml = inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
  const request = new DOMParser().parseFromString(xml, 'text/xml').documentElement;
  const issuer = request?.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Issuer')[0];
  const id = request?.getAttribute('ID');
  const acsUrl = request?.getAttribute('AssertionConsumerServiceURL');
  if (!id || !acsUrl || !issuer?.textContent) {
    throw new Error('test identity provider: the AuthnRequest lacks its ID, ACS URL or Issuer');
  }
  return { id, issuer: issuer.textContent.trim(), acsUrl, relayState: url.searchParams.get('RelayState') };
}

export interface ResponseOptions {
  /** The ACS URL the response is for (Destination, Recipient). */
  acsUrl: string;
  /** The SP entity id (Audience): `logins.saml.issuer`, 'stepgate' by default. */
  audience?: string;
  /** The AuthnRequest answered; without it the response is IdP-initiated. */
  inResponseTo?: string;
}

export interface TestIdentityProvider {
  entityId: string;
  ssoUrl: string;
  /** The PEM certificate stepgate must trust: `logins.saml.idp_cert`. */
  certificate: string;
  /** `logins.saml` for this identity provider (add `issuer` and the rest as needed). */
  settings(): { entry_point: string; idp_issuer: string; idp_cert: string };
  /** A base64 SAMLResponse for the HTTP-POST binding; the Response and its Assertion both signed. */
  response(user: SamlUser, options: ResponseOptions): Promise<string>;
  /**
   * Signs `user` in through `agent` as a browser would: GET /saml/login, this identity provider
   * answers the AuthnRequest, POST /saml/acs. Resolves with stepgate's `{next, redirect}`.
   */
  signIn(
    agent: Agent,
    user: SamlUser,
    options?: { basePath?: string; returnTo?: string },
  ): Promise<{ next: string; redirect: string }>;
}

/**
 * A new identity provider with a key of its own. `entityId` and `ssoUrl` need not exist on any
 * network: stepgate only redirects to ssoUrl, which the test follows by calling signIn.
 */
export async function testIdentityProvider(
  options: { entityId?: string; ssoUrl?: string } = {},
): Promise<TestIdentityProvider> {
  const samlify = await loadSamlify();
  const entityId = options.entityId ?? 'https://idp.test.example/saml';
  const ssoUrl = options.ssoUrl ?? 'https://idp.test.example/sso';
  const keys = await selfSignedCertificate('stepgate test identity provider');
  const { binding } = samlify.Constants.namespace;
  const idp = samlify.IdentityProvider({
    entityID: entityId,
    privateKey: keys.privateKey,
    signingCert: keys.certificate,
    isAssertionEncrypted: false,
    nameIDFormat: [UNSPECIFIED],
    singleSignOnService: [{ Binding: binding.redirect, Location: ssoUrl }],
    // Never used; without one samlify warns on the console.
    singleLogoutService: [{ Binding: binding.redirect, Location: `${ssoUrl}/logout` }],
    loginResponseTemplate: {
      context: RESPONSE_TEMPLATE,
      attributes: TEMPLATE_ATTRIBUTES,
      additionalTemplates: { attributeStatementTemplate: { context: ATTRIBUTE_STATEMENT } },
    },
  });

  async function response(user: SamlUser, options: ResponseOptions): Promise<string> {
    const audience = options.audience ?? 'stepgate';
    // What samlify signs follows the SP it answers: both the Response and the Assertion.
    const sp = samlify.ServiceProvider({
      entityID: audience,
      assertionConsumerService: [{ Binding: binding.post, Location: options.acsUrl }],
      wantAssertionsSigned: true,
      wantMessageSigned: true,
    });
    const issuedAt = new Date();
    const notOnOrAfter = new Date(issuedAt.getTime() + 5 * 60_000).toISOString();
    const responseId = `_${randomUUID()}`;
    const fill = (template: string) => ({
      id: responseId,
      context: samlify.SamlLib.replaceTagsByValue(
        template.replace('{MoreAttributes}', moreAttributesXml(user)).replace('{SecondLevelStatus}', ''),
        {
          ID: responseId,
          AssertionID: `_${randomUUID()}`,
          IssueInstant: issuedAt.toISOString(),
          Destination: options.acsUrl,
          InResponseTo: options.inResponseTo,
          ResponseIssuer: entityId,
          StatusCode: SAML_SUCCESS,
          Issuer: entityId,
          NameIDFormat: UNSPECIFIED,
          NameID: user.nameId,
          Recipient: options.acsUrl,
          NotBefore: issuedAt.toISOString(),
          NotOnOrAfter: notOnOrAfter,
          ConfirmationNotOnOrAfter: notOnOrAfter,
          Audience: audience,
          attrEmail: user.email,
          attrUserType: user.userType,
        },
      ),
    });
    const { context } = await idp.createLoginResponse(
      sp,
      { extract: {} },
      'post',
      {},
      { customTagReplacement: fill, encryptThenSign: true },
    );
    return context;
  }

  async function signIn(
    agent: Agent,
    user: SamlUser,
    options: { basePath?: string; returnTo?: string } = {},
  ): Promise<{ next: string; redirect: string }> {
    const base = options.basePath ?? DEFAULT_BASE_PATH;
    const what = `SAML sign-in of ${user.nameId}`;
    const query = options.returnTo === undefined ? '' : `?return_to=${encodeURIComponent(options.returnTo)}`;
    const start = await agent.get(`${base}/saml/login${query}`);
    const location = start.headers.location;
    if (start.status !== 302 || typeof location !== 'string') {
      throw new UnexpectedAnswerError(what, `GET ${base}/saml/login`, start);
    }
    const request = readAuthnRequest(location);
    const SAMLResponse = await response(user, {
      acsUrl: request.acsUrl,
      audience: request.issuer,
      inResponseTo: request.id,
    });
    const form: Record<string, string> = { SAMLResponse };
    if (request.relayState !== null) form.RelayState = request.relayState;
    const posted = await agent
      .post(`${base}/saml/acs`)
      .set('Accept', 'application/json')
      .type('form')
      .send(form);
    if (posted.status !== 200) throw new UnexpectedAnswerError(what, `POST ${base}/saml/acs`, posted);
    return posted.body as { next: string; redirect: string };
  }

  return {
    entityId,
    ssoUrl,
    certificate: keys.certificate,
    settings: () => ({ entry_point: ssoUrl, idp_issuer: entityId, idp_cert: keys.certificate }),
    response,
    signIn,
  };
}
