/**
 * The checks on the <Response> element that node-saml does not make: it takes the first signed
 * assertion whatever the top-level StatusCode says, and never looks at the Response's Destination,
 * Issuer, or whether it answers a request of ours. The raw SAMLResponse is read once, here, with
 * @xmldom/xmldom (node-saml's parser); a document with a DTD, or one the parser complains about,
 * goes no further.
 *
 * checkResponse runs only after node-saml has verified the Response signature (the adapter sets
 * wantAuthnResponseSigned), and that signature covers the whole Response element: what is read
 * here is what the IdP signed. Text is read with textContent, so a comment slipped into a signed
 * value (which canonicalisation ignores) cannot split it.
 */
import { DOMParser } from '@xmldom/xmldom';
import { SamlRejectedError } from '../../gateway/ports.js';

const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const ENTITY_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';
const DOCUMENT_TYPE_NODE = 10;

export interface ResponseExpectations {
  idpIssuer: string;
  /** Our ACS URL: the Response's Destination must be exactly this. */
  acsUrl: string;
  /** Whether a response that answers no AuthnRequest (IdP-initiated) may sign anyone in. */
  allowIdpInitiated: boolean;
}

const reject = (reason: string) => new SamlRejectedError(reason);

/** xmldom's node lists are not iterable. */
const childNodes = (node: Node): Node[] =>
  Array.from({ length: node.childNodes.length }, (_, index) => node.childNodes.item(index));

/** The decoded SAMLResponse as a DOM, its root a SAML protocol <Response>. */
export function parseResponse(xml: string): Element {
  const problems: string[] = [];
  const report = (message: string) => void problems.push(message.split('\n')[0]!);
  let doc: Document;
  try {
    doc = new DOMParser({
      locator: {},
      errorHandler: { warning: report, error: report, fatalError: report },
    }).parseFromString(xml, 'text/xml');
  } catch (error) {
    throw reject(`the response is not XML (${(error as Error).message.split('\n')[0]})`);
  }
  if (problems.length > 0) throw reject(`the response is not well-formed XML (${problems[0]})`);
  // SAML messages carry no DTD; one could only be there to play with entities.
  if (childNodes(doc).some((node) => node.nodeType === DOCUMENT_TYPE_NODE)) {
    throw reject('the response has a DTD');
  }
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== PROTOCOL || root.localName !== 'Response') {
    throw reject(`the message is a ${root?.localName ?? 'nothing'}, not a SAML Response`);
  }
  return root;
}

function children(parent: Element, namespace: string, localName: string): Element[] {
  return childNodes(parent).filter(
    (node): node is Element =>
      node.nodeType === node.ELEMENT_NODE &&
      (node as Element).namespaceURI === namespace &&
      (node as Element).localName === localName,
  );
}

function only(parent: Element, namespace: string, localName: string): Element | undefined {
  const found = children(parent, namespace, localName);
  if (found.length > 1) throw reject(`${found.length} ${localName} elements in the ${parent.localName}`);
  return found[0];
}

/** The top-level StatusCode, and for the log the second-level one and the message. */
function checkStatus(response: Element): void {
  const status = only(response, PROTOCOL, 'Status');
  if (!status) throw reject('the response has no Status');
  const code = only(status, PROTOCOL, 'StatusCode');
  const value = code?.getAttribute('Value') ?? '';
  if (value === SUCCESS) return;
  const detail = code ? only(code, PROTOCOL, 'StatusCode')?.getAttribute('Value') : undefined;
  const message = only(status, PROTOCOL, 'StatusMessage')?.textContent?.trim().slice(0, 200);
  const said = [detail, message].filter(Boolean).join(': ');
  throw new SamlRejectedError(
    `the IdP answered '${value || 'no StatusCode'}'${said ? ` (${said})` : ''}, not Success`,
    'idp_refused',
  );
}

/** The Web SSO profile requires the Issuer of a signed Response: our IdP's entity id, format entity. */
function checkIssuer(response: Element, idpIssuer: string): void {
  const issuer = only(response, ASSERTION, 'Issuer');
  if (!issuer) throw reject('the response has no Issuer');
  const format = issuer.getAttribute('Format');
  if (format && format !== ENTITY_FORMAT) throw reject(`the response Issuer has the format '${format}'`);
  const name = issuer.textContent ?? '';
  if (name !== idpIssuer) throw reject(`the response was issued by '${name}', not the configured IdP`);
}

/**
 * A signed response must name where it is meant to go (SAML bindings 3.5.5.2): a response the IdP
 * made for another service provider is not ours to accept, even when that SP shares our entity id.
 */
function checkDestination(response: Element, acsUrl: string): void {
  const destination = response.getAttribute('Destination');
  if (!destination) throw reject('the response has no Destination');
  if (destination !== acsUrl) throw reject(`the response is for '${destination}', not our ACS URL`);
}

/** Throws SamlRejectedError, with the refusal the person is told of, for a Response we must not act on. */
export function checkResponse(response: Element, expect: ResponseExpectations): void {
  checkStatus(response);
  checkIssuer(response, expect.idpIssuer);
  checkDestination(response, expect.acsUrl);
  // Anyone can make a browser post a response of theirs. InResponseTo names one of our requests;
  // that this browser is the one that made it is checked at the ACS (saml/binding.ts). Without
  // InResponseTo there is nothing to tie the response to (IdP-initiated: login CSRF by design).
  if (!response.getAttribute('InResponseTo') && !expect.allowIdpInitiated) {
    throw new SamlRejectedError(
      'an IdP-initiated response (no InResponseTo) and logins.saml.allow_idp_initiated is false',
      'unsolicited',
    );
  }
}
