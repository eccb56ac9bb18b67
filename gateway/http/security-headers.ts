/**
 * The security headers of stepgate's own responses (pages, JSON, error pages), through helmet.
 * Never on a proxied upstream response: the application behind the gateway keeps its own.
 *
 * - Content-Security-Policy: nothing loads but the pages' own style blocks (by hash); no script
 *   at all, no frame may hold a page (`frame-ancestors 'none'`, SPEC §4), forms post only to us,
 *   and the redirect after a form (to return_to) goes only to us or to `allowed_return_hosts`.
 * - X-Frame-Options: DENY, for browsers that predate frame-ancestors.
 * - X-Content-Type-Options: nosniff; Referrer-Policy: no-referrer (a page's URL may hold a
 *   return_to or a username, and is nobody else's business).
 * - Strict-Transport-Security only for a request that arrived over HTTPS: public_url is https,
 *   the socket is TLS, or a trusted proxy says so in X-Forwarded-Proto. Over plain HTTP it would
 *   be ignored anyway, and on a localhost demo it would pin the browser to HTTPS for a year.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import helmet, { strictTransportSecurity } from 'helmet';
import { normalizeIp } from './client.js';
import { STYLE_HASHES } from './html.js';

export interface SecurityHeaderOptions {
  publicUrl: string;
  /** `server.allowed_return_hosts`: where a form's answer may redirect besides us. */
  allowedReturnHosts?: readonly string[];
  /** The organisation's style block (branding.colours), allowed by its hash like the pages' own. */
  styleHashes?: readonly string[];
  /** Where the logo comes from (branding): 'self' for a file stepgate serves, else the URL's origin. */
  imageSources?: readonly string[];
  isTrustedProxy(ip: string): boolean;
}

const ONE_YEAR_S = 365 * 24 * 3600;

/** The policy every page carries; exported for the tests that check it word for word. */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'style-src': [...STYLE_HASHES],
};

/**
 * Lets this one response run the scripts that carry the returned nonce (a passkey page needs the
 * browser's WebAuthn API): every other page keeps running none at all.
 */
export function allowScripts(res: ServerResponse): string {
  const nonce = randomBytes(16).toString('base64');
  const policy = res.getHeader('content-security-policy');
  if (typeof policy !== 'string') throw new Error('security headers are set before any page is rendered');
  res.setHeader('content-security-policy', `${policy};script-src 'nonce-${nonce}'`);
  return nonce;
}

/**
 * The policy with `form-action` widened to the allowed return hosts: browsers hold the redirect
 * that answers a form post (the sign-in's 303 to return_to) to form-action too. A source without
 * a scheme takes the page's own (and https from an http page); ':*' any port, as return_to does.
 * The branding adds its style block's hash, and `img-src` for a logo; nothing else loads.
 */
export function contentSecurityPolicy(
  options: Pick<SecurityHeaderOptions, 'allowedReturnHosts' | 'styleHashes' | 'imageSources'> = {},
): Record<string, string[]> {
  const { allowedReturnHosts = [], styleHashes = [], imageSources = [] } = options;
  const hosts = allowedReturnHosts.map((host) => `${host.toLowerCase()}:*`);
  return {
    ...CONTENT_SECURITY_POLICY,
    'form-action': ["'self'", ...hosts],
    'style-src': [...CONTENT_SECURITY_POLICY['style-src'], ...styleHashes],
    ...(imageSources.length > 0 && { 'img-src': [...imageSources] }),
  };
}

/** Whether the request reached us over HTTPS, as far as we can know. */
export function arrivedOverHttps(req: IncomingMessage, options: SecurityHeaderOptions): boolean {
  if (options.publicUrl.startsWith('https:')) return true;
  if ((req.socket as Partial<TLSSocket>).encrypted) return true;
  if (!options.isTrustedProxy(normalizeIp(req.socket.remoteAddress ?? ''))) return false;
  const header = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

export function securityHeaders(options: SecurityHeaderOptions): RequestHandler {
  const common = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: contentSecurityPolicy(options),
    },
    strictTransportSecurity: false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  const hsts = strictTransportSecurity({ maxAge: ONE_YEAR_S, includeSubDomains: true });
  return (req, res, next) =>
    common(req, res, (error?: unknown) => {
      if (error) return next(error);
      if (arrivedOverHttps(req, options)) return hsts(req, res, next);
      next();
    });
}

/**
 * For the gateway's error answers outside base_path (sign-in required, upstream unreachable):
 * they are stepgate's own pages, unlike the proxied responses on the same paths.
 */
export function securityHeadersOnError(headers: RequestHandler): ErrorRequestHandler {
  return (error, req, res, next) => {
    // An error after a response began (a session saved after a proxied answer) only ends it.
    if (res.headersSent) return next(error);
    headers(req, res, () => next(error));
  };
}
