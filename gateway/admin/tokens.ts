/**
 * Bearer tokens for the admin and sidecar APIs (`admin.api_tokens`). Only SHA-256 hashes are kept
 * once the gateway starts; a presented token is hashed and compared in constant time with every
 * known hash, so neither the answer nor its timing says which token came close.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { apiTokenName, type Config } from '../../config/schema.js';

export type TokenScope = 'admin' | 'sidecar';

export interface TokenHolder {
  name: string;
  scopes: readonly TokenScope[];
}

interface KnownToken extends TokenHolder {
  hash: Buffer;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The token of an `Authorization: Bearer <token>` header; undefined for any other header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

/** Paths (below base_path) of the APIs that take bearer tokens; the sidecar API joins them later. */
export const TOKEN_API_PREFIXES = ['/admin/v1/', '/sidecar/v1/'];

/**
 * Whether a request brings a bearer token to a token API. Such a request is judged by its token
 * alone, so it needs no CSRF token: a cross-site page cannot set an Authorization header.
 */
export function carriesApiToken(req: { path: string; get(name: string): string | undefined }): boolean {
  return (
    bearerToken(req.get('authorization')) !== undefined &&
    TOKEN_API_PREFIXES.some((prefix) => req.path.startsWith(prefix))
  );
}

export class TokenRegistry {
  private readonly tokens: readonly KnownToken[];

  constructor(entries: Config['admin']['api_tokens']) {
    this.tokens = entries.map((entry, index) => ({
      name: apiTokenName(entry, index),
      scopes: typeof entry === 'string' ? ['admin'] : [...new Set(entry.scopes)],
      hash: sha256(typeof entry === 'string' ? entry : entry.token),
    }));
  }

  /** Who holds `token`, or undefined. Every known hash is compared, whatever matched before. */
  identify(token: string): TokenHolder | undefined {
    const presented = sha256(token);
    let found: KnownToken | undefined;
    for (const known of this.tokens) {
      if (timingSafeEqual(presented, known.hash) && found === undefined) found = known;
    }
    return found && { name: found.name, scopes: found.scopes };
  }
}
