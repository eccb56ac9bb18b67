/**
 * Ties a SAML response to the browser that started the sign-in (login CSRF). Without it, anyone
 * could start /saml/login in their own browser, keep the IdP's signed answer, and make a victim's
 * browser post it to the ACS: the victim would be signed in as them, and might then register
 * their own phone or authenticator on that account. InResponseTo and the request-id cache only
 * prove that *we* asked; this proves that *this browser* asked.
 *
 * /saml/login sets a cookie named after the AuthnRequest's id, holding an HMAC of that id under
 * the session secret (so a cookie tossed in from a sibling host cannot be forged). The ACS accepts
 * a response answering request I only from a browser holding the cookie for I, then clears it.
 *
 * The IdP's POST to the ACS is a cross-site request whenever the IdP is on another site, and a
 * SameSite=Lax cookie is not sent with it: outside localhost the cookie is SameSite=None and
 * Secure (as Keycloak does for its own SAML POST binding). On a localhost public_url it is Lax and
 * not Secure, so HTTP test clients carry it; an IdP on localhost is the same site.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { cookieValue } from '../../http/session-cookie.js';

/** Request ids are ours (node-saml: `_` and hex), but InResponseTo comes from the response. */
const REQUEST_ID = /^[A-Za-z0-9_.-]{1,128}$/;

export interface BindingOptions {
  secret: string;
  cookieName: string;
  /** The ACS path under base_path: the only place the cookie needs to go. */
  path: string;
  /** Whether the session cookie is Secure (public_url outside localhost). */
  secure: boolean;
  /** How long the IdP has to answer. */
  maxAgeMs: number;
}

export class SamlBrowserBinding {
  constructor(private readonly options: BindingOptions) {}

  private nameFor(requestId: string): string {
    return `${this.options.cookieName}_saml_${requestId}`;
  }

  private proofOf(requestId: string): string {
    return createHmac('sha256', this.options.secret).update(`saml-binding:${requestId}`).digest('base64url');
  }

  private cookieOptions() {
    const { secure, path } = this.options;
    return { path, httpOnly: true, secure, sameSite: secure ? ('none' as const) : ('lax' as const) };
  }

  /** At /saml/login: this browser started the sign-in that request `requestId` carries. */
  bind(res: Response, requestId: string): void {
    if (!REQUEST_ID.test(requestId)) throw new Error(`unexpected AuthnRequest id '${requestId}'`);
    res.cookie(this.nameFor(requestId), this.proofOf(requestId), {
      ...this.cookieOptions(),
      maxAge: this.options.maxAgeMs,
    });
  }

  /** At the ACS: whether this browser holds the cookie that /saml/login set for `requestId`. */
  holds(req: Request, requestId: string): boolean {
    if (!REQUEST_ID.test(requestId)) return false;
    const given = cookieValue(req.headers.cookie, this.nameFor(requestId));
    if (given === undefined) return false;
    const expected = Buffer.from(this.proofOf(requestId));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** Once used, the cookie goes: a request id answers one sign-in. */
  release(res: Response, requestId: string): void {
    if (REQUEST_ID.test(requestId)) res.clearCookie(this.nameFor(requestId), this.cookieOptions());
  }
}
