/**
 * The sign-ins a browser has started at the OpenID Connect provider, kept in that browser. Without
 * this, anyone could start /oidc/login in their own browser, sign in at the provider, and send a
 * victim's browser to our callback with that answer: the victim would be signed in as them (login
 * CSRF). `state` proves the answer belongs to a sign-in; the cookie proves *this browser* started it.
 *
 * /oidc/login adds the sign-in to one cookie: its `state`, the nonce, the PKCE verifier, where to go
 * afterwards and until when, under an HMAC of the state and the rest keyed by the session secret (so
 * an entry tossed in from a sibling host cannot be forged). The callback takes its entry out; that
 * the state is used once is the replay cache's job (routes.ts), since a cookie can be copied.
 *
 * The cookie keeps the few newest sign-ins (several tabs), never more, and stays under one cookie's
 * size however long their return_to (itself at most http/redirects.ts's RETURN_TO_MAX_LENGTH): a
 * page that sends a browser to /oidc/login again and again only pushes out its oldest entries. With
 * a cookie per sign-in, each at Path=/ as a `__Host-` cookie, a few long ones made every request of
 * the host too large for nginx's and Node's header limits (431), the callback that would clear them
 * included.
 *
 * The provider sends the browser back with a top-level GET, which a SameSite=Lax cookie goes with;
 * the cookie goes to /oidc (the login, which adds to it, and the callback, which takes from it), or,
 * as a `__Host-` cookie that no sibling host can set (outside localhost, without a cookie_domain), at
 * Path=/. A cookie sent twice binds nothing (http/cookie-names.ts): a sibling's own sign-in's cookie
 * proves nothing of this browser.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { OidcChecks } from '../../ports.js';
import type { Logger } from '../../ports.js';
import { warnTossed } from '../../http/cookie-names.js';
import { ownCookie } from '../../http/session-cookie.js';

/** Our states are 43 characters of base64url; what comes back in the callback is anyone's text. */
const STATE = /^[A-Za-z0-9_-]{22,128}$/;

/** Sign-ins one browser may have under way at once (as for SAML, saml/binding.ts). */
export const PENDING_SIGN_INS = 4;

/**
 * The most the cookie's value may hold, in characters: with its name and attributes it stays under
 * the 4096 bytes browsers keep of a cookie, and the whole Cookie header well under nginx's 8 KB.
 * One sign-in with the longest return_to fits; older ones go first to make room.
 */
const PENDING_COOKIE_BUDGET = 3600;

export interface PendingSignIn {
  checks: OidcChecks;
  /** Already checked to stay on our origin. */
  returnTo: string;
  /** Until when the answer is accepted (ms since the epoch). */
  expiresAt: number;
}

export interface PendingOptions {
  secret: string;
  /** The cookie's name (`<session.cookie_name>_oidc`, see http/cookie-names.ts). */
  cookieName: string;
  /** Where the cookie goes: /oidc under base_path (login and callback), or '/'. */
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

/** One sign-in in the cookie, as written there: `<state>.<payload>.<HMAC>`. */
interface Entry {
  state: string;
  text: string;
  stored: Stored;
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
  private readonly name: string;

  constructor(private readonly options: PendingOptions) {
    this.key = createHmac('sha256', options.secret).update('stepgate oidc pending sign-in').digest();
    this.name = options.cookieName;
  }

  private mac(state: string, payload: string): string {
    return createHmac('sha256', this.key).update(`${state}.${payload}`).digest('base64url');
  }

  private cookieOptions() {
    const { secure, path } = this.options;
    return { path, httpOnly: true, secure, sameSite: 'lax' as const };
  }

  /** One entry of the cookie, when its proof is good and it has not expired. */
  private entryOf(text: string): Entry | undefined {
    const [state = '', payload = '', proof = '', extra] = text.split('.');
    if (extra !== undefined || !STATE.test(state)) return undefined;
    const expected = Buffer.from(this.mac(state, payload));
    const given = Buffer.from(proof);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let stored: unknown;
    try {
      stored = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!isStored(stored) || stored.x <= this.options.now()) return undefined;
    return { state, text, stored };
  }

  /** The sign-ins this browser's cookie holds with a good proof and unexpired, newest first. */
  private pending(req: Request): Entry[] {
    const { value = '', twice } = ownCookie(req.headers.cookie, this.name);
    if (twice) warnTossed(this.options.logger, this.name, 'oidc_unbound');
    const entries: Entry[] = [];
    for (const text of value === '' ? [] : value.split('~')) {
      const entry = this.entryOf(text);
      if (entry && !entries.some((kept) => kept.state === entry.state)) entries.push(entry);
    }
    return entries;
  }

  /** Writes `entries` (newest first), as many of them as the count and the budget allow. */
  private write(res: Response, entries: Entry[]): void {
    const kept: string[] = [];
    let length = 0;
    for (const { text } of entries.slice(0, PENDING_SIGN_INS)) {
      const added = length + (kept.length > 0 ? 1 : 0) + text.length;
      if (kept.length > 0 && added > PENDING_COOKIE_BUDGET) break;
      kept.push(text);
      length = added;
    }
    if (kept.length === 0) return void res.clearCookie(this.name, this.cookieOptions());
    const latest = Math.max(...entries.slice(0, kept.length).map((entry) => entry.stored.x));
    res.cookie(this.name, kept.join('~'), {
      ...this.cookieOptions(),
      maxAge: Math.max(latest - this.options.now(), 0),
    });
  }

  /** At /oidc/login: this browser started the sign-in `checks.state` names. */
  keep(req: Request, res: Response, checks: OidcChecks, returnTo: string): void {
    const { state, nonce, codeVerifier } = checks;
    if (!STATE.test(state)) throw new Error('unexpected OpenID Connect state');
    const stored: Stored = {
      n: nonce,
      v: codeVerifier,
      r: returnTo,
      x: this.options.now() + this.options.lifetimeMs,
    };
    const payload = Buffer.from(JSON.stringify(stored)).toString('base64url');
    const entry = { state, text: `${state}.${payload}.${this.mac(state, payload)}`, stored };
    const older = this.pending(req).filter((pending) => pending.state !== state);
    this.write(res, [entry, ...older]);
  }

  /**
   * At the callback: the sign-in this browser started under `state`, when its cookie holds an
   * untampered, unexpired entry for it; the entry is taken out of the cookie.
   */
  take(req: Request, res: Response, state: string): PendingSignIn | undefined {
    if (!STATE.test(state)) return undefined;
    const entries = this.pending(req);
    const taken = entries.find((entry) => entry.state === state);
    if (!taken) return undefined;
    this.write(
      res,
      entries.filter((entry) => entry !== taken),
    );
    const { n, v, r, x } = taken.stored;
    return { checks: { state, nonce: n, codeVerifier: v }, returnTo: r, expiresAt: x };
  }
}
