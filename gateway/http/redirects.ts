/**
 * `return_to` and `redirect` never leave the gateway's own origin, or a host the operator listed
 * in `server.allowed_return_hosts` (SPEC §4), judged on the exact string that is sent back, not on
 * what came in: URL normalisation turns '/.//evil.example', '/a/..//evil.example' and
 * '/%2e//evil.example' into '//evil.example', which a browser reads as another host. Anything that
 * does not stay falls back to '/'.
 *
 * A return_to longer than RETURN_TO_MAX_LENGTH falls back too: it is carried in cookies (the OpenID
 * Connect pending sign-in), sessions, RelayState and Location headers, and a page could otherwise
 * send a browser to the sign-in with one long enough to make its every request too large to serve.
 *
 * On our own origin the path alone is sent; to an allowed host (an application behind a
 * forward-auth proxy, docs/forward-auth.md), the whole URL as the WHATWG parser writes it.
 */

import type { Logger } from '../ports.js';

/** The longest return_to taken, in characters, as it comes and as it would be sent (docs/decisions.md). */
export const RETURN_TO_MAX_LENGTH = 2048;

const SLASH = 0x2f;
const BACKSLASH = 0x5c;

/**
 * Where redirects may go: `server.public_url`'s origin and `server.allowed_return_hosts`; a bare
 * public_url allows our origin alone.
 */
export type RedirectScope = string | { public_url: string; allowed_return_hosts: readonly string[] };

function scopeOf(scope: RedirectScope): { origin: string; hosts: readonly string[] } {
  if (typeof scope === 'string') return { origin: new URL(scope).origin, hosts: [] };
  return { origin: new URL(scope.public_url).origin, hosts: scope.allowed_return_hosts };
}

/**
 * Whether `hostname` (lower case, as a parsed URL has it) is one of `patterns`: an exact name, or
 * '*.example.com' for any name below example.com (not example.com itself).
 */
export function isAllowedReturnHost(hostname: string, patterns: readonly string[]): boolean {
  for (const pattern of patterns) {
    const lower = pattern.toLowerCase();
    if (lower.startsWith('*.')) {
      if (hostname.length > lower.length - 1 && hostname.endsWith(lower.slice(1))) return true;
    } else if (hostname === lower) return true;
  }
  return false;
}

/**
 * The target that `candidate` names, as it will be sent: a path on our origin, or an absolute URL
 * on an allowed host; `fallback` for anything else — another host, a scheme-relative '//evil', a
 * backslash trick, a control character, more than RETURN_TO_MAX_LENGTH characters (which `logger`,
 * given where the candidate comes from a request, is told of).
 */
export function safeReturnTo(
  candidate: unknown,
  scope: RedirectScope,
  fallback = '/',
  logger?: Logger,
): string {
  if (typeof candidate !== 'string' || candidate === '') return fallback;
  if (candidate.length > RETURN_TO_MAX_LENGTH) return tooLong(candidate, logger, fallback);
  // URL parsers drop tabs and newlines and read '\' as '/': such input is refused, not cleaned.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(candidate)) return fallback;
  const { origin } = scopeOf(scope);
  let target: URL;
  try {
    target = new URL(candidate, origin);
  } catch {
    return fallback;
  }
  const sent = target.origin === origin ? target.pathname + target.search + target.hash : target.href;
  // Percent-encoding can make what is sent several times longer than what came.
  if (sent.length > RETURN_TO_MAX_LENGTH) return tooLong(sent, logger, fallback);
  return isAllowedRedirect(sent, scope) ? sent : fallback;
}

function tooLong(returnTo: string, logger: Logger | undefined, fallback: string): string {
  logger?.info('return_to ignored: longer than the longest taken', {
    length: returnTo.length,
    max: RETURN_TO_MAX_LENGTH,
  });
  return fallback;
}

/**
 * Whether a browser sent to `sent`, exactly as written into a Location header, a JSON `redirect`
 * or a RelayState, stays on our origin or goes to an allowed host. The one decision on where a
 * redirect may go.
 */
export function isAllowedRedirect(sent: string, scope: RedirectScope): boolean {
  // Whitespace and control characters are dropped by browsers before resolving: '/\t/evil' is '//evil'.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f\\]/.test(sent)) return false;
  const { origin, hosts } = scopeOf(scope);
  if (sent.charCodeAt(0) === SLASH) {
    // A path-absolute reference: '/' not followed by a second '/' or by '\', which browsers read as '/'.
    const second = sent.charCodeAt(1);
    if (second === SLASH || second === BACKSLASH) return false;
    try {
      return new URL(sent, origin).origin === origin;
    } catch {
      return false;
    }
  }
  return isAllowedAbsolute(sent, origin, hosts);
}

/**
 * An absolute URL to an allowed host: http or https (https alone when we are served over https,
 * so a redirect never downgrades), no user name or password, written exactly as the parser
 * writes it back, so what a browser reads is what was judged.
 */
function isAllowedAbsolute(sent: string, origin: string, hosts: readonly string[]): boolean {
  if (hosts.length === 0) return false;
  let url: URL;
  try {
    url = new URL(sent);
  } catch {
    return false;
  }
  if (url.href !== sent || url.username !== '' || url.password !== '') return false;
  const secure = origin.startsWith('https:');
  if (url.protocol !== 'https:' && (secure || url.protocol !== 'http:')) return false;
  return isAllowedReturnHost(url.hostname, hosts);
}
