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
  return new URL(decoded, 'http://path.invalid').pathname;
}
