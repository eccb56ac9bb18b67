/**
 * The sign-ins a browser has started at the OpenID Connect provider, kept in that browser. Without
 * this, anyone could start /oidc/login in their own browser, sign in at the provider, and send a
 * victim's browser to our callback with that answer: the victim would be signed in as them (login
 * CSRF). `state` proves the answer belongs to a sign-in; the cookie proves *this browser* started it.
 *
 * /oidc/login sets a cookie named after the sign-in's `state`, holding the nonce, the PKCE verifier,
 * where to go afterwards and until when, under an HMAC keyed by the session secret (so a cookie
 * tossed in from a sibling host cannot be forged). The callback takes it and clears it; that the
 * state is used once is the replay cache's job (routes.ts), since a cookie can be copied.
 *
 * The provider sends the browser back with a top-level GET, which a SameSite=Lax cookie goes with;
 * the cookie is limited to the callback path, or, as a `__Host-` cookie that no sibling host can set
 * (outside localhost, without a cookie_domain), at Path=/. A cookie sent twice binds nothing
 * (http/cookie-names.ts): a sibling's own sign-in's cookie proves nothing of this browser.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { OidcChecks } from '../../ports.js';
import type { Logger } from '../../ports.js';
import { warnTossed } from '../../http/cookie-names.js';
import { ownCookie } from '../../http/session-cookie.js';

/** Our states are 43 characters of base64url; what comes back in the callback is anyone's text. */
const STATE = /^[A-Za-z0-9_-]{22,128}$/;

export interface PendingSignIn {
  checks: OidcChecks;
  /** Already checked to stay on our origin. */
  returnTo: string;
  /** Until when the answer is accepted (ms since the epoch). */
  expiresAt: number;
}

export interface PendingOptions {
  secret: string;
  /** The cookie of a sign-in's `state` (http/cookie-names.ts). */
  cookieName(state: string): string;
  /** The callback path under base_path (the only place the cookie needs to go), or '/'. */
  path: string;
  /** Whether the session cookie is Secure (public_url outside localhost). */
  secure: boolean;
  /** How long the person has to come back from the provider. */
  lifetimeMs: number;
  now(): number;
  logger: Logger;
}

interface Stored {
  n: string;
  v: string;
  r: string;
  x: number;
}

function isStored(value: unknown): value is Stored {
  const stored = value as Partial<Stored> | null;
  return (
    typeof stored === 'object' &&
    stored !== null &&
    typeof stored.n === 'string' &&
    typeof stored.v === 'string' &&
    typeof stored.r === 'string' &&
    typeof stored.x === 'number'
  );
}

export class PendingSignIns {
  private readonly key: Buffer;

  constructor(private readonly options: PendingOptions) {
    this.key = createHmac('sha256', options.secret).update('stepgate oidc pending sign-in').digest();
  }

  private nameFor(state: string): string {
    return this.options.cookieName(state);
  }

  private mac(state: string, payload: string): string {
    return createHmac('sha256', this.key).update(`${state}.${payload}`).digest('base64url');
  }

  private cookieOptions() {
    const { secure, path } = this.options;
    return { path, httpOnly: true, secure, sameSite: 'lax' as const };
  }

  /** At /oidc/login: this browser started the sign-in `checks.state` names. */
  keep(res: Response, checks: OidcChecks, returnTo: string): void {
    const { state, nonce, codeVerifier } = checks;
    if (!STATE.test(state)) throw new Error('unexpected OpenID Connect state');
    const stored: Stored = {
      n: nonce,
      v: codeVerifier,
      r: returnTo,
      x: this.options.now() + this.options.lifetimeMs,
    };
    const payload = Buffer.from(JSON.stringify(stored)).toString('base64url');
    res.cookie(this.nameFor(state), `${payload}.${this.mac(state, payload)}`, {
      ...this.cookieOptions(),
      maxAge: this.options.lifetimeMs,
    });
  }

  /**
   * At the callback: the sign-in this browser started under `state`, when it holds an untampered,
   * unexpired cookie for it; the cookie is cleared either way.
   */
  take(req: Request, res: Response, state: string): PendingSignIn | undefined {
    if (!STATE.test(state)) return undefined;
    const { value, twice } = ownCookie(req.headers.cookie, this.nameFor(state));
    if (twice) warnTossed(this.options.logger, this.nameFor(state), 'oidc_unbound');
    if (value === undefined) return undefined;
    res.clearCookie(this.nameFor(state), this.cookieOptions());
    const dot = value.lastIndexOf('.');
    const payload = value.slice(0, Math.max(dot, 0));
    const expected = Buffer.from(this.mac(state, payload));
    const given = Buffer.from(value.slice(dot + 1));
    if (dot <= 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let stored: unknown;
    try {
      stored = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!isStored(stored) || stored.x <= this.options.now()) return undefined;
    return {
      checks: { state, nonce: stored.n, codeVerifier: stored.v },
      returnTo: stored.r,
      expiresAt: stored.x,
    };
  }
}
