/**
 * `return_to` and `redirect` never leave the gateway's own origin (SPEC §4). Only a path on
 * our origin is kept; anything else — another host, a scheme-relative '//evil', a backslash
 * trick, a control character — falls back to '/'.
 */
export function safeReturnTo(candidate: unknown, publicUrl: string, fallback = '/'): string {
  if (typeof candidate !== 'string' || candidate === '') return fallback;
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
  return target.pathname + target.search + target.hash;
}
