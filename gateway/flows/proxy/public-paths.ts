/**
 * `upstream.public_paths`: an entry matches its exact path, or every path below it when it ends
 * with '/' or '/*'. Paths are compared after normalisation so '/public/../private' is not public.
 */
export function isPublicPath(path: string, publicPaths: readonly string[]): boolean {
  if (publicPaths.length === 0) return false;
  const normalized = normalize(path);
  if (normalized === undefined) return false;
  return publicPaths.some((entry) => {
    if (entry.endsWith('/*')) return normalized.startsWith(entry.slice(0, -1));
    if (entry.endsWith('/')) return normalized.startsWith(entry);
    return normalized === entry;
  });
}

function normalize(path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded.includes('\\') || decoded.includes('\0')) return undefined;
  try {
    // '//host'-like paths are read as a host by URL; a garbled one (`//[`) throws.
    return new URL(decoded, 'http://path.invalid').pathname;
  } catch {
    return undefined;
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
