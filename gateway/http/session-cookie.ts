/**
 * Reads the session id out of a Cookie header the way express-session does (cookie@0.7 parsing,
 * cookie-signature's `s:<id>.<HMAC-SHA256>` format), for the proxied-request path that runs
 * without express-session. Anything it is not sure of comes out as undefined, and the request
 * then goes the long way, through express-session itself.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export { secureCookies } from '../../config/schema/session.js';

/** cookie@0.7 trims spaces and tabs only (String.trim would also take a no-break space, 0xA0). */
const isBlank = (code: number) => code === 0x20 || code === 0x09;

/**
 * Whether the cookie whose name runs from `start` to `eq` in `header` is called `name`, compared in
 * place with the spaces and tabs around it left out, as cookie@0.7 trims them: nothing is copied.
 */
export function cookieNamed(header: string, start: number, eq: number, name: string): boolean {
  while (start < eq && isBlank(header.charCodeAt(start))) start++;
  while (eq > start && isBlank(header.charCodeAt(eq - 1))) eq--;
  return eq - start === name.length && header.startsWith(name, start);
}

function trim(text: string): string {
  if (!isBlank(text.charCodeAt(0)) && !isBlank(text.charCodeAt(text.length - 1))) return text;
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** The value of the first cookie called `name`, as cookie@0.7 parses it (trimmed, unquoted, decoded). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (let start = 0; start < header.length;) {
    let end = header.indexOf(';', start);
    if (end < 0) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq >= 0 && eq < end && cookieNamed(header, start, eq, name)) {
      return unquoteAndDecode(trim(header.slice(eq + 1, end)));
    }
    start = end + 1;
  }
  return undefined;
}

/**
 * One of the gateway's own cookies as it reads them: the value, unless the header carries the name
 * more than once (`twice`), which is how a cookie tossed in from a sibling host shows (the browser
 * sends theirs and ours side by side; see cookie-names.ts). One pass over the header, no copies but
 * the value's.
 */
export interface OwnCookie {
  value: string | undefined;
  twice: boolean;
}

export function ownCookie(header: string | undefined, name: string): OwnCookie {
  const found = rawCookie(header, name);
  return found.value === undefined ? found : { value: unquoteAndDecode(found.value), twice: false };
}

/** As ownCookie, the value as it stands in the header (trimmed, still quoted and encoded). */
function rawCookie(header: string | undefined, name: string): OwnCookie {
  let value: string | undefined;
  if (!header) return { value, twice: false };
  for (let start = 0; start < header.length;) {
    let end = header.indexOf(';', start);
    if (end < 0) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq >= 0 && eq < end && cookieNamed(header, start, eq, name)) {
      if (value !== undefined) return { value: undefined, twice: true };
      value = trim(header.slice(eq + 1, end));
    }
    start = end + 1;
  }
  return { value, twice: false };
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

  /** Undefined also for a cookie sent twice: the Express app then refuses both (app.ts). */
  sessionId(header: string | undefined): string | undefined {
    // Remembered by the value as it stands in the header: a hit needs no decoding either.
    const raw = rawCookie(header, this.cookieName).value;
    if (raw === undefined) return undefined;
    const known = this.verified.get(raw);
    if (known !== undefined) return known;
    const value = unquoteAndDecode(raw);
    if (!value.startsWith('s:')) return undefined;
    const id = unsign(value.slice(2), this.secret);
    if (id !== undefined) this.verified.set(raw, id);
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
