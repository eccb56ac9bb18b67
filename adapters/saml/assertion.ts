/**
 * Reads a SamlIdentity out of what node-saml returns for a response whose signatures verified.
 * node-saml checks the signatures, Conditions times and the audience; it checks the bearer
 * SubjectConfirmation (time, Recipient) only for responses carrying InResponseTo, and the
 * assertion's Issuer never. Those checks are made here, for every response.
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

/** String values of one attribute; an AttributeValue with child elements is not a string and is left out. */
function values(attributes: unknown, name: string): string[] {
  const value = isNode(attributes) ? attributes[name] : undefined;
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.filter((item): item is string => typeof item === 'string' && item.trim() !== '');
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
    else if (now - expect.clockSkewMs >= notOnOrAfter) reason = 'bearer subject confirmation expired';
    else if (notBefore !== undefined && now + expect.clockSkewMs < notBefore)
      reason = 'bearer subject confirmation not yet valid';
    else if (recipient !== undefined && recipient !== expect.acsUrl)
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

  const { attributes } = profile;
  return {
    nameId,
    assertionId,
    // node-saml accepts it until NotOnOrAfter plus the clock skew: the replay cache keeps it as long.
    validUntil: new Date(validUntil + expect.clockSkewMs),
    email: values(attributes, expect.attributes.email)[0],
    userType: values(attributes, expect.attributes.user_type)[0],
    groups: values(attributes, expect.attributes.groups),
  };
}
