/**
 * Reads a SamlIdentity out of what node-saml returns for a response whose signatures verified:
 * the signed assertion, decrypted when it came encrypted. node-saml checks the signatures,
 * Conditions times and the audience; it checks the bearer SubjectConfirmation's times only for
 * responses carrying InResponseTo, its Recipient and the assertion's Issuer never. Those checks
 * are made here, for every response. Attributes are matched by Name or FriendlyName, which
 * node-saml's profile (keyed by Name) cannot do.
 */
import type { Profile } from '@node-saml/passport-saml';
import { SamlRejectedError, type SamlIdentity } from '../../gateway/ports.js';

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

export interface AssertionExpectations {
  idpIssuer: string;
  /** Our ACS URL: a bearer confirmation must name it as its Recipient. */
  acsUrl: string;
  attributes: { email: string; user_type: string; groups: string };
  clockSkewMs: number;
  now: Date;
}

/** The parsed assertion, as xml2js gives it: elements are arrays, attributes under `$`, text under `_`. */
type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;

function children(node: Node | undefined, name: string): Node[] {
  const value = node?.[name];
  return Array.isArray(value) ? value.filter(isNode) : [];
}

function attribute(node: Node | undefined, name: string): string | undefined {
  const attributes = node?.$;
  const value = isNode(attributes) ? attributes[name] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function time(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new SamlRejectedError(`${what} is not a time`);
  return ms;
}

/** The text of an AttributeValue; one with child elements (a NameID, say) is not a string: undefined. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!isNode(value) || Object.keys(value).some((key) => key !== '_' && key !== '$')) return undefined;
  return typeof value._ === 'string' ? value._ : undefined;
}

/**
 * String values of the attributes named `name`: by their Name (often a URN or OID) and, when no
 * Name matches, by their FriendlyName, so `email` finds `urn:oid:0.9.2342.19200300.100.1.3`
 * sent with FriendlyName="email" while a Name of its own always wins.
 */
function values(assertion: Node, name: string): string[] {
  const attributes = children(assertion, 'AttributeStatement').flatMap((statement) =>
    children(statement, 'Attribute'),
  );
  let matching = attributes.filter((item) => attribute(item, 'Name') === name);
  if (matching.length === 0) matching = attributes.filter((item) => attribute(item, 'FriendlyName') === name);
  return matching
    .flatMap((item) => (Array.isArray(item.AttributeValue) ? (item.AttributeValue as unknown[]) : []))
    .map(text)
    .filter((value): value is string => value !== undefined && value.trim() !== '');
}

/**
 * The latest time the assertion may be presented: the bearer confirmation's NotOnOrAfter, or the
 * Conditions' if it comes first. The SAML Web SSO profile requires the former, and without it an
 * assertion could be replayed for ever once the replay cache forgot it — so it is required.
 */
function bearerConfirmation(assertion: Node, expect: AssertionExpectations): number {
  const now = expect.now.getTime();
  const confirmations = children(children(assertion, 'Subject')[0], 'SubjectConfirmation')
    .filter((confirmation) => attribute(confirmation, 'Method') === BEARER)
    .map((confirmation) => children(confirmation, 'SubjectConfirmationData')[0]);
  let reason = 'no bearer subject confirmation';
  for (const data of confirmations) {
    const notBefore = time(attribute(data, 'NotBefore'), 'SubjectConfirmationData NotBefore');
    const notOnOrAfter = time(attribute(data, 'NotOnOrAfter'), 'SubjectConfirmationData NotOnOrAfter');
    const recipient = attribute(data, 'Recipient');
    if (notOnOrAfter === undefined) reason = 'bearer subject confirmation without NotOnOrAfter';
    // Required by the Web SSO profile: without it the assertion could be presented to any SP.
    else if (recipient === undefined) reason = 'bearer subject confirmation without Recipient';
    else if (now - expect.clockSkewMs >= notOnOrAfter) reason = 'bearer subject confirmation expired';
    else if (notBefore !== undefined && now + expect.clockSkewMs < notBefore)
      reason = 'bearer subject confirmation not yet valid';
    else if (recipient !== expect.acsUrl)
      reason = `bearer subject confirmation for another recipient (${recipient})`;
    else return notOnOrAfter;
  }
  throw new SamlRejectedError(reason);
}

export function identityOf(profile: Profile, expect: AssertionExpectations): SamlIdentity {
  const parsed = profile.getAssertion?.();
  const assertion = isNode(parsed) && isNode(parsed.Assertion) ? parsed.Assertion : undefined;
  if (!assertion) throw new SamlRejectedError('no assertion in the response');

  const assertionId = attribute(assertion, 'ID');
  if (!assertionId) throw new SamlRejectedError('assertion without an ID');
  if (profile.issuer !== expect.idpIssuer) {
    throw new SamlRejectedError(`assertion issued by '${String(profile.issuer)}', not the configured IdP`);
  }
  const nameId = typeof profile.nameID === 'string' ? profile.nameID.trim() : '';
  if (nameId === '') throw new SamlRejectedError('assertion without a NameID');

  let validUntil = bearerConfirmation(assertion, expect);
  const conditionsEnd = time(
    attribute(children(assertion, 'Conditions')[0], 'NotOnOrAfter'),
    'Conditions NotOnOrAfter',
  );
  if (conditionsEnd !== undefined) validUntil = Math.min(validUntil, conditionsEnd);

  return {
    nameId,
    assertionId,
    // node-saml accepts it until NotOnOrAfter plus the clock skew: the replay cache keeps it as long.
    validUntil: new Date(validUntil + expect.clockSkewMs),
    email: values(assertion, expect.attributes.email)[0],
    userType: values(assertion, expect.attributes.user_type)[0],
    groups: values(assertion, expect.attributes.groups),
  };
}
