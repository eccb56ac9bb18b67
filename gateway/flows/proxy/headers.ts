/**
 * Identity headers for the upstream. Whatever a client sent under our prefix is removed first,
 * so the upstream can trust every X-Stepgate-* header it sees.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { SignedInUser } from '../../sessions.js';

const PREFIX = 'x-stepgate-';

/** Header values must be visible ASCII; anything else is percent-encoded rather than dropped. */
function headerValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

export function stripClientIdentity(headers: IncomingHttpHeaders): void {
  for (const name of Object.keys(headers)) {
    if (name.toLowerCase().startsWith(PREFIX)) delete headers[name];
  }
}

/** Our session cookie is ours: the upstream never sees it. */
export function stripCookie(headers: IncomingHttpHeaders, cookieName: string): void {
  const cookie = headers.cookie;
  if (!cookie) return;
  const kept = cookie
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '' && part.split('=', 1)[0] !== cookieName);
  if (kept.length === 0) delete headers.cookie;
  else headers.cookie = kept.join('; ');
}

export function addIdentity(headers: IncomingHttpHeaders, auth: SignedInUser): void {
  headers['x-stepgate-user'] = headerValue(auth.user);
  if (auth.email) headers['x-stepgate-email'] = headerValue(auth.email);
  headers['x-stepgate-login'] = auth.login;
  headers['x-stepgate-confirmation'] = headerValue(auth.confirmation ?? 'none');
}

/** The forwarded chain as we resolved it: the upstream sees the client, not whatever the client claimed. */
export function setForwarded(
  headers: IncomingHttpHeaders,
  clientIp: string,
  proto: string,
  host?: string,
): void {
  headers['x-forwarded-for'] = clientIp;
  headers['x-forwarded-proto'] = proto;
  if (host) headers['x-forwarded-host'] = host;
}
