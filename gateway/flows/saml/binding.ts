/**
 * Ties a SAML response to the browser that started the sign-in (login CSRF). Without it, anyone
 * could start /saml/login in their own browser, keep the IdP's signed answer, and make a victim's
 * browser post it to the ACS: the victim would be signed in as them, and might then register
 * their own phone or authenticator on that account. InResponseTo and the request-id cache only
 * prove that *we* asked; this proves that *this browser* asked.
 *
 * /saml/login adds the AuthnRequest's id to one cookie, with an HMAC of that id under the session
 * secret (so a value cannot be made up elsewhere). The ACS accepts a response answering request I
 * only from a browser whose cookie holds I with its proof, and then takes I out. The cookie keeps
 * the few most recent requests (sign-ins started in several tabs), never more: a page that makes
 * a browser load /saml/login again and again only pushes out its oldest entries, it cannot fill
 * the browser's cookie jar or the ACS request's headers.
 *
 * The IdP's POST to the ACS is a cross-site request whenever the IdP is on another site, and a
 * SameSite=Lax cookie is not sent with it: outside localhost the cookie is SameSite=None and
 * Secure (as Keycloak does for its own SAML POST binding). On a localhost public_url it is Lax and
 * not Secure, so HTTP test clients carry it; an IdP on localhost is the same site.
 *
 * A sibling host could toss in its own binding cookie (its request id and proof are tied to no
 * browser): outside localhost and without a cookie_domain the cookie is a `__Host-` one that no
 * other host can set, and a cookie sent twice binds nothing (http/cookie-names.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Logger } from '../../ports.js';
import { warnTossed } from '../../http/cookie-names.js';
import { ownCookie } from '../../http/session-cookie.js';

/** Request ids are ours (node-saml: `_` and hex), but InResponseTo comes from the response. */
const REQUEST_ID = /^[A-Za-z0-9_.-]{1,128}$/;

/** Sign-ins one browser may have under way at once. */
export const PENDING_SIGN_INS = 4;

export interface BindingOptions {
  secret: string;
  /** The binding cookie's name (`<session.cookie_name>_saml`, see http/cookie-names.ts). */
  cookieName: string;
  /** Where the cookie goes: /saml/login (which adds to it) and the ACS (which takes from it), or '/'. */
  path: string;
  /** Whether the session cookie is Secure (public_url outside localhost). */
  secure: boolean;
  /** How long the IdP has to answer. */
  maxAgeMs: number;
  logger: Logger;
}

export class SamlBrowserBinding {
  private readonly name: string;

  constructor(private readonly options: BindingOptions) {
    this.name = options.cookieName;
  }

  private proofOf(requestId: string): string {
    return createHmac('sha256', this.options.secret).update(`saml-binding:${requestId}`).digest('base64url');
  }

  private proves(requestId: string, proof: string): boolean {
    if (!REQUEST_ID.test(requestId)) return false;
    const expected = Buffer.from(this.proofOf(requestId));
    const given = Buffer.from(proof);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The request ids this browser's cookie holds with a good proof, newest first. */
  private pending(req: Request): string[] {
    const { value = '', twice } = ownCookie(req.headers.cookie, this.name);
    if (twice) warnTossed(this.options.logger, this.name, 'no sign-in bound to this browser');
    const ids: string[] = [];
    for (const entry of value.split('~')) {
      const colon = entry.lastIndexOf(':');
      const id = entry.slice(0, colon);
      if (colon > 0 && this.proves(id, entry.slice(colon + 1)) && !ids.includes(id)) ids.push(id);
    }
    return ids;
  }

  private write(res: Response, ids: string[]): void {
    const { secure, path, maxAgeMs } = this.options;
    const attributes = {
      path,
      httpOnly: true,
      secure,
      sameSite: secure ? ('none' as const) : ('lax' as const),
    };
    if (ids.length === 0) {
      res.clearCookie(this.name, attributes);
      return;
    }
    const value = ids.map((id) => `${id}:${this.proofOf(id)}`).join('~');
    res.cookie(this.name, value, { ...attributes, maxAge: maxAgeMs });
  }

  /** At /saml/login: this browser started the sign-in that request `requestId` carries. */
  bind(req: Request, res: Response, requestId: string): void {
    if (!REQUEST_ID.test(requestId)) throw new Error(`unexpected AuthnRequest id '${requestId}'`);
    this.write(res, [requestId, ...this.pending(req)].slice(0, PENDING_SIGN_INS));
  }

  /**
   * At the ACS: whether this browser started request `requestId`. If it did, the request is taken
   * out of its cookie: a request id answers one sign-in.
   */
  claim(req: Request, res: Response, requestId: string): boolean {
    const ids = this.pending(req);
    if (!ids.includes(requestId)) return false;
    this.write(
      res,
      ids.filter((id) => id !== requestId),
    );
    return true;
  }
}
