/**
 * `return_to` and `redirect` never leave the gateway's own origin (SPEC §4), judged on the exact
 * string that is sent back, not on what came in: URL normalisation turns '/.//evil.example',
 * '/a/..//evil.example' and '/%2e//evil.example' into '//evil.example', which a browser reads as
 * another host. Anything that does not stay falls back to '/'.
 */

const SLASH = 0x2f;
const BACKSLASH = 0x5c;

/**
 * The path on our origin that `candidate` names, as it will be sent; `fallback` for anything
 * else — another host, a scheme-relative '//evil', a backslash trick, a control character.
 */
export function safeReturnTo(candidate: unknown, publicUrl: string, fallback = '/'): string {
  if (typeof candidate !== 'string' || candidate === '') return fallback;
  // URL parsers drop tabs and newlines and read '\' as '/': such input is refused, not cleaned.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(candidate)) return fallback;
  const origin = new URL(publicUrl).origin;
  let target: URL;
  try {
    target = new URL(candidate, origin);
  } catch {
    return fallback;
  }
  if (target.origin !== origin) return fallback;
  const sent = target.pathname + target.search + target.hash;
  return isAllowedRedirect(sent, origin) ? sent : fallback;
}

/**
 * Whether a browser sent to `sent`, exactly as written into a Location header, a JSON `redirect`
 * or a RelayState, stays on `origin`. The one decision on where a redirect may go: a host
 * allow-list (`server.allowed_return_hosts`) belongs here.
 */
export function isAllowedRedirect(sent: string, origin: string): boolean {
  // A path-absolute reference: '/' not followed by a second '/' or by '\', which browsers read as '/'.
  if (sent.charCodeAt(0) !== SLASH) return false;
  const second = sent.charCodeAt(1);
  if (second === SLASH || second === BACKSLASH) return false;
  // Whitespace and control characters are dropped by browsers before resolving: '/\t/evil' is '//evil'.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f\\]/.test(sent)) return false;
  try {
    return new URL(sent, origin).origin === origin;
  } catch {
    return false;
  }
}
