/**
 * The names of stepgate's cookies, in one place, and what they do against cookie tossing.
 *
 * A host that shares the gateway's registrable domain (evil.example.com beside sso.example.com)
 * can set a cookie with `Domain=example.com` and any Path; the browser sends it to the gateway
 * too, before the gateway's own cookie of the same name when its Path is longer. Three cookies
 * guard a sign-in before there is a session, and are worth tossing: the CSRF visitor cookie, the
 * SAML binding and the OpenID Connect pending sign-ins. With their own value in a victim's browser,
 * an attacker has it finish the attacker's sign-in (login CSRF). Two defences:
 *
 * - When the cookies are Secure and `session.cookie_domain` is empty, those three are named
 *   `__Host-<cookie_name>_...`. A browser accepts such a cookie only from the gateway's very host,
 *   Secure, with Path=/ and no Domain: a sibling can neither set one nor shadow it with a longer
 *   Path. Since they then go with every request, the proxy takes them out (proxy/headers.ts), and
 *   each is one cookie of bounded size, however many sign-ins a page makes a browser start.
 * - A cookie the gateway reads that comes twice in one Cookie header is taken for tossing: the
 *   binding is refused, the session cookie ignored, and a warning names the cookie (never its value).
 *
 * With a cookie_domain, every host below it is trusted with the session cookie anyway, and the
 * prefix, which forbids a Domain, cannot be used: the second defence is what remains.
 * On localhost (plain HTTP) the cookies cannot be Secure and keep their plain names.
 */
import type { Logger } from '../ports.js';
import { COOKIE_PREFIX } from '../../config/schema/session.js';
import { cookieNamed, secureCookies } from './session-cookie.js';
const HOST_PREFIX = '__Host-';

export interface StepgateCookies {
  /** `session.cookie_name` as configured. */
  session: string;
  csrf: string;
  saml: string;
  /** The pending OpenID Connect sign-ins (flows/oidc/pending.ts). */
  oidc: string;
  /** Whether the pre-session cookies are `__Host-` cookies (Secure, Path=/, no Domain). */
  hostOnly: boolean;
  /** The Path of a pre-session cookie: `narrowest` unless the `__Host-` prefix needs '/'. */
  path(narrowest: string): string;
  /** Whether the cookie named from `start` to `eq` of a Cookie header is one of stepgate's. */
  owns(header: string, start: number, eq: number): boolean;
}

export function stepgateCookies(
  session: { cookie_name: string; cookie_domain: string },
  publicUrl: string,
): StepgateCookies {
  const base = session.cookie_name.replace(COOKIE_PREFIX, '');
  const hostOnly = secureCookies(publicUrl) && session.cookie_domain === '';
  const prefix = hostOnly ? HOST_PREFIX : '';
  return {
    session: session.cookie_name,
    csrf: `${prefix}${base}_csrf`,
    saml: `${prefix}${base}_saml`,
    oidc: `${prefix}${base}_oidc`,
    hostOnly,
    path: (narrowest) => (hostOnly ? '/' : narrowest),
    owns: (header, start, eq) => ownedName(header, start, eq, base),
  };
}

const isBlank = (code: number) => code === 0x20 || code === 0x09;
const PREFIXES = ['__host-', '__secure-'];

/**
 * The length of the `__Host-` or `__Secure-` prefix at `start` of `header`, in any letter case, or
 * 0. Browsers hold a cookie named `__HOST-sid` or `__secure-sid` to the prefix's rules as well
 * (RFC 6265bis §4.1.3, "case-insensitive match"), and config/load.ts accepts such a cookie_name.
 */
function prefixLength(header: string, start: number): number {
  for (const prefix of PREFIXES) {
    let i = 0;
    for (; i < prefix.length; i++) {
      let code = header.charCodeAt(start + i);
      if (code >= 0x41 && code <= 0x5a) code += 0x20;
      if (code !== prefix.charCodeAt(i)) break;
    }
    if (i === prefix.length) return i;
  }
  return 0;
}

/**
 * `<base>`, `<base>_csrf`, `<base>_saml`, `<base>_oidc` or `<base>_oidc_<state>` (one cookie per
 * OpenID Connect sign-in, as earlier versions set them), with or without a `__Host-` or
 * `__Secure-` prefix in any letter case (whichever names a past configuration used, and however the
 * session cookie_name spells it), compared in place.
 */
function ownedName(header: string, start: number, eq: number, base: string): boolean {
  while (start < eq && isBlank(header.charCodeAt(start))) start++;
  while (eq > start && isBlank(header.charCodeAt(eq - 1))) eq--;
  const prefix = prefixLength(header, start);
  // A base that itself begins like a prefix ('__host-x' of '__Host-__host-x') is tried as it is too.
  return (
    ownedSuffix(header, start + prefix, eq, base) || (prefix > 0 && ownedSuffix(header, start, eq, base))
  );
}

function ownedSuffix(header: string, start: number, eq: number, base: string): boolean {
  if (!header.startsWith(base, start)) return false;
  const rest = start + base.length;
  if (rest === eq) return true;
  if (header.charCodeAt(rest) !== 0x5f) return false; // '_'
  const suffixLength = eq - rest;
  return (
    (suffixLength === 5 &&
      (header.startsWith('_csrf', rest) ||
        header.startsWith('_saml', rest) ||
        header.startsWith('_oidc', rest))) ||
    (suffixLength > 6 && header.startsWith('_oidc_', rest))
  );
}

/**
 * `header` without the cookies `drop` names, the others as they were and in their order;
 * undefined when none is left. A header with nothing to drop comes back as it is.
 */
export function withoutCookies(
  header: string,
  drop: (header: string, start: number, eq: number) => boolean,
): string | undefined {
  let kept: string[] | undefined;
  let start = 0;
  for (; start < header.length;) {
    let end = header.indexOf(';', start);
    if (end < 0) end = header.length;
    const eq = header.indexOf('=', start);
    const dropped = eq >= 0 && eq < end && drop(header, start, eq);
    if (dropped && kept === undefined) kept = header.slice(0, start).split(';');
    if (!dropped && kept !== undefined) kept.push(header.slice(start, end));
    start = end + 1;
  }
  if (kept === undefined) return header;
  const parts = kept.map((part) => part.trim()).filter((part) => part !== '');
  return parts.length === 0 ? undefined : parts.join('; ');
}

/** `header` without the cookie called `name`. */
export function withoutCookie(header: string, name: string): string | undefined {
  return withoutCookies(header, (text, start, eq) => cookieNamed(text, start, eq, name));
}

/** The one log line of a cookie sent twice: its name, never a value. */
export function warnTossed(logger: Logger, cookie: string, outcome: string): void {
  logger.warn('cookie sent twice, as one tossed in from a sibling host would be', { cookie, outcome });
}
