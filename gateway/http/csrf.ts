/**
 * CSRF protection for form posts (SPEC §4) that stores nothing on the server, so an anonymous
 * visitor costs no session (a flood of page loads cannot evict signed-in sessions from the store).
 *
 * A token is an HMAC, under a key derived from the session secret, of what it is bound to:
 * - a signed-in session: its id, so a token is worth nothing outside that very session;
 * - a visitor without one (the sign-in page): a random value in a cookie of its own, HttpOnly,
 *   SameSite=Lax and limited to base_path (a `__Host-` cookie at Path=/ where that is possible:
 *   cookie-names.ts), given with the first page that needs a token. Sent twice, it binds nothing:
 *   a sibling host tossed its own value in, whose token it knows.
 * A form post must carry the token of its binding; another site can neither read the page nor
 * compute the HMAC. JSON bodies, the SAML ACS, bearer-token APIs and the sidecar are exempt
 * (see `skip` in app.ts): no other site can send them with the browser's cookies.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { errors } from '../errors.js';
import type { Logger } from '../ports.js';
import { warnTossed } from './cookie-names.js';
import { ownCookie } from './session-cookie.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const NONCE = /^[A-Za-z0-9_-]{43}$/;

export interface CsrfOptions {
  secret: string;
  /** The visitor cookie's name and path. */
  cookieName: string;
  cookiePath: string;
  /** `session.cookie_domain`, when the session cookie has one: the pages may be on any host below it. */
  cookieDomain?: string | undefined;
  secure: boolean;
  logger: Logger;
  /** Requests that need no token. */
  skip(req: Request): boolean;
}

export interface CsrfProtection {
  /** The token for a form on the page this request renders; sets the visitor cookie when needed. */
  token(req: Request): string;
  /** Refuses a state-changing request whose token does not match (403 invalid_csrf_token). */
  protect: RequestHandler;
}

export function csrfProtection(options: CsrfOptions): CsrfProtection {
  const key = createHmac('sha256', options.secret).update('stepgate csrf token key').digest();
  // A visitor's first page may render several forms: one new value per request, not per form.
  const issued = new WeakMap<Request, string>();
  const sign = (binding: string) => createHmac('sha256', key).update(binding).digest('base64url');

  function visitorValue(req: Request): string | undefined {
    const value = issued.get(req) ?? ownCookie(req.headers.cookie, options.cookieName).value;
    return value !== undefined && NONCE.test(value) ? value : undefined;
  }

  /** What a token of this request must be bound to; undefined when nothing is (no cookie yet). */
  function binding(req: Request): string | undefined {
    if (req.session?.auth) return `session:${req.sessionID}`;
    const visitor = visitorValue(req);
    return visitor === undefined ? undefined : `visitor:${visitor}`;
  }

  function token(req: Request): string {
    const bound = binding(req);
    if (bound !== undefined) return sign(bound);
    const value = randomBytes(32).toString('base64url');
    issued.set(req, value);
    req.res?.cookie(options.cookieName, value, {
      path: options.cookiePath,
      ...(options.cookieDomain !== undefined && { domain: options.cookieDomain }),
      httpOnly: true,
      sameSite: 'lax',
      secure: options.secure,
    });
    return sign(`visitor:${value}`);
  }

  const protect: RequestHandler = (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || options.skip(req)) return next();
    const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
    const given = typeof fromBody === 'string' ? fromBody : req.get('x-csrf-token');
    const bound = binding(req);
    if (given === undefined || bound === undefined || !same(given, sign(bound))) {
      if (bound === undefined && ownCookie(req.headers.cookie, options.cookieName).twice) {
        warnTossed(options.logger, options.cookieName, 'invalid_csrf_token');
      }
      return next(errors.csrf());
    }
    next();
  };

  return { token, protect };
}

function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
