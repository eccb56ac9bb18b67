/**
 * `upstream.public_paths`: an entry matches its exact path, or every path below it when it ends
 * with '/' or '/*'.
 *
 * Access is decided on exactly the path that is forwarded (SPEC §4): the request target as it
 * came, never a decoded or normalised reading of it. So a path is public only when no reading can
 * change what it names — when it has no dot segment (raw or encoded), no '\\', no ';' (Tomcat
 * reads '/public/..;/private' as '/private'), and no escaped '/', '\\', '.', '%', ';' or control
 * character. '/private/..%2Fpublic/x' decodes to a public path, yet an upstream that keeps '%2F'
 * routes it under /private: such a path needs a session like any other. It is not refused, since
 * applications use '%2F' in their own paths, and a signed-in session's requests are forwarded
 * unchanged whatever their path.
 *
 * `path` is the path of an origin-form target (pathOf): no other form is ever public.
 */
export function publicPaths(entries: readonly string[]): (path: string | undefined) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const entry of entries) {
    if (entry.endsWith('/*')) prefixes.push(entry.slice(0, -1));
    else if (entry.endsWith('/')) prefixes.push(entry);
    else exact.add(entry);
  }
  if (entries.length === 0) return () => false;
  return (path) => {
    const plain = path === undefined ? undefined : unambiguousPath(path);
    if (plain === undefined) return false;
    if (exact.has(plain)) return true;
    for (const prefix of prefixes) if (plain.startsWith(prefix)) return true;
    return false;
  };
}

const PERCENT = 0x25;
const DOT = 0x2e;
const SLASH = 0x2f;
const SEMICOLON = 0x3b;
const BACKSLASH = 0x5c;

/** Escaped, these change a path's segments for whoever decodes them (once more). */
function isStructural(byte: number): boolean {
  return (
    byte < 0x20 ||
    byte === 0x7f ||
    byte === SLASH ||
    byte === BACKSLASH ||
    byte === DOT ||
    byte === PERCENT ||
    byte === SEMICOLON
  );
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * The decoded path when decoding cannot change its segments, else undefined. A plain path, the
 * common case, comes back as it is, without a copy.
 */
export function unambiguousPath(path: string): string | undefined {
  let escaped = false;
  let segmentStart = 0;
  for (let i = 0; i <= path.length; i++) {
    const code = i < path.length ? path.charCodeAt(i) : SLASH;
    if (code === SLASH) {
      const length = i - segmentStart - 1;
      // A '.' or '..' segment: the upstream, or the proxy, resolves it.
      if (length === 1 || length === 2) {
        if (path.charCodeAt(i - 1) === DOT && (length === 1 || path.charCodeAt(i - 2) === DOT))
          return undefined;
      }
      segmentStart = i;
    } else if (code === BACKSLASH || code === SEMICOLON) {
      return undefined;
    } else if (code === PERCENT) {
      const high = hexValue(path.charCodeAt(i + 1));
      const low = hexValue(path.charCodeAt(i + 2));
      if (high < 0 || low < 0 || isStructural(high * 16 + low)) return undefined;
      escaped = true;
      i += 2;
    }
  }
  if (!escaped) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined; // not UTF-8, such as the overlong '%C0%AF' for '/'
  }
}

/**
 * Whether a path is base_path or below it, in any letter case, as Express's router matches it:
 * stepgate's own pages and APIs, never forwarded.
 */
export function ownPaths(basePath: string): (path: string) => boolean {
  const prefix = basePath.toLowerCase();
  return (path) => {
    const lower = path.toLowerCase();
    return lower === prefix || lower.startsWith(`${prefix}/`);
  };
}

/**
 * The path of an origin-form request target ('/a/b?q=1' -> '/a/b'), the same as express's
 * `req.path` (parseurl) for such targets; undefined for any other form, and for characters that
 * parseurl would hand to the legacy URL parser instead (whitespace, '#').
 */
export function pathOf(url: string | undefined): string | undefined {
  if (!url?.startsWith('/')) return undefined;
  if (/[\t\n\f\r #\u00a0\ufeff]/.test(url)) return undefined;
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
