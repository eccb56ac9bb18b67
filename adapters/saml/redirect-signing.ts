/**
 * Signs the AuthnRequest of the HTTP-Redirect binding (SAML bindings 3.4.4.1). The signature covers
 * `SAMLRequest=…&RelayState=…&SigAlg=…` exactly as those octets appear in the URL, and the IdP
 * checks it over the query as it arrives. node-saml signs the values as Node's querystring encodes
 * them, then writes the URL with URLSearchParams, which encodes ~ ! ' ( ) differently: an IdP
 * would refuse the request whenever the return path held one of them. So the query is written here
 * with everything but letters, digits and - . _ percent-encoded, which nothing on the way to the
 * IdP re-encodes (a browser does re-encode a bare ' in a query), and that very text is signed.
 */
import { sign, type KeyObject } from 'node:crypto';

export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

const SIGNED = ['SAMLRequest', 'RelayState', 'SigAlg'] as const;

const encode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The redirect URL node-saml made, unsigned, with our signature over its query as it is written. */
export function signRedirect(unsignedUrl: string, privateKey: KeyObject | string): string {
  const url = new URL(unsignedUrl);
  const values = new Map<string, string>();
  const others: string[] = [];
  for (const [name, value] of url.searchParams) {
    if ((SIGNED as readonly string[]).includes(name)) values.set(name, value);
    else if (name !== 'Signature') others.push(`${encode(name)}=${encode(value)}`);
  }
  values.set('SigAlg', RSA_SHA256);
  const signed = SIGNED.filter((name) => values.has(name))
    .map((name) => `${name}=${encode(values.get(name)!)}`)
    .join('&');
  const signature = sign('sha256', Buffer.from(signed, 'utf8'), privateKey).toString('base64');
  url.search = '';
  url.hash = '';
  return `${url.href}?${[...others, signed, `Signature=${encode(signature)}`].join('&')}`;
}
