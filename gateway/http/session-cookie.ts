/**
 * Reads the session id out of a Cookie header the way express-session does (cookie@0.7 parsing,
 * cookie-signature's `s:<id>.<HMAC-SHA256>` format), for the proxied-request path that runs
 * without express-session. Anything it is not sure of comes out as undefined, and the request
 * then goes the long way, through express-session itself.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** Cookies are Secure unless the gateway is served on localhost (SPEC §2: "Secure outside localhost"). */
export function secureCookies(publicUrl: string): boolean {
  const host = new URL(publicUrl).hostname;
  return !(host === 'localhost' || host.endsWith('.localhost') || host === '127.0.0.1' || host === '[::1]');
}

/** cookie@0.7 trims spaces and tabs only (String.trim would also take a no-break space, 0xA0). */
function trim(text: string): string {
  const edge = (code: number | undefined) => code === 0x20 || code === 0x09;
  if (!edge(text.charCodeAt(0)) && !edge(text.charCodeAt(text.length - 1))) return text;
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** The value of the first cookie called `name`, as cookie@0.7 parses it (trimmed, unquoted, decoded). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (let start = 0; start < header.length;) {
    let end = header.indexOf(';', start);
    if (end < 0) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq >= 0 && eq < end && trim(header.slice(start, eq)) === name) {
      return unquoteAndDecode(trim(header.slice(eq + 1, end)));
    }
    start = end + 1;
  }
  return undefined;
}

function unquoteAndDecode(value: string): string {
  const unquoted =
    value.length > 1 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  if (!unquoted.includes('%')) return unquoted;
  try {
    return decodeURIComponent(unquoted);
  } catch {
    return unquoted;
  }
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

/**
 * The session id of every request of a server, remembering the cookie values it has verified:
 * in a running server an HMAC costs more than everything else the proxied request's session
 * check does (see docs/benchmarks.md). Only values whose signature was good are kept, so
 * a hit says no more than that this exact value, signature included, was verified before.
 */
export class SessionCookieReader {
  private readonly verified: LRUCache<string, string>;

  constructor(
    private readonly cookieName: string,
    private readonly secret: string,
    remember: number,
  ) {
    this.verified = new LRUCache<string, string>({ max: remember });
  }

  sessionId(header: string | undefined): string | undefined {
    const value = cookieValue(header, this.cookieName);
    if (!value?.startsWith('s:')) return undefined;
    const known = this.verified.get(value);
    if (known !== undefined) return known;
    const id = unsign(value.slice(2), this.secret);
    if (id !== undefined) this.verified.set(value, id);
    return id;
  }
}

/** The session id of a signed session cookie, or undefined when there is none or it is not ours. */
export function sessionIdFromCookie(
  header: string | undefined,
  cookieName: string,
  secret: string,
): string | undefined {
  return new SessionCookieReader(cookieName, secret, 1).sessionId(header);
}
