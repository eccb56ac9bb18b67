/**
 * Reads the session id out of a Cookie header the way express-session does (cookie@0.7 parsing,
 * cookie-signature's `s:<id>.<HMAC-SHA256>` format), for the proxied-request path that runs
 * without express-session. Anything it is not sure of comes out as undefined, and the request
 * then goes the long way, through express-session itself.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The value of the first cookie called `name`, as cookie@0.7 parses it (trimmed, unquoted, decoded). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!value.includes('%')) return value;
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

/** `id.signature` -> id when the signature is `secret`'s, compared in constant time. */
export function unsign(signed: string, secret: string): string | undefined {
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const id = signed.slice(0, dot);
  const expected = Buffer.from(createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, ''));
  const given = Buffer.from(signed.slice(dot + 1));
  if (given.length !== expected.length) return undefined;
  return timingSafeEqual(given, expected) ? id : undefined;
}

/** The session id of a signed session cookie, or undefined when there is none or it is not ours. */
export function sessionIdFromCookie(
  header: string | undefined,
  cookieName: string,
  secret: string,
): string | undefined {
  const value = cookieValue(header, cookieName);
  if (!value?.startsWith('s:')) return undefined;
  return unsign(value.slice(2), secret);
}
