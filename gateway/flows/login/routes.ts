/**
 * POST /login (SPEC §4): `{username, password, return_to?}` -> `{next, redirect}`.
 * A failed sign-in says the same thing whatever was wrong.
 */
import { Router, type Request, type Response } from 'express';
import { GatewayError, errors } from '../../errors.js';
import { sendError } from '../../http/error-handler.js';
import { wantsJson } from '../../http/negotiate.js';
import { safeReturnTo } from '../../http/redirects.js';
import { secureCookies } from '../../http/session-cookie.js';
import { destroySession, signedIn } from '../../sessions.js';
import { clientOf, type GatewayContext } from '../../context.js';
import type { PasswordAuthenticator } from './authenticate.js';
import { completeSignIn } from './complete.js';
import { loginPage, signOutPage, signedOutPage } from './pages.js';
import { t } from '../../i18n/index.js';
import { OIDC_LOGIN_PATH } from '../oidc/routes.js';
import { SignInThrottle, THROTTLED_CODE } from './throttle.js';
import { nextStep } from '../next-step.js';
import { field } from '../guards.js';

const MAX_FIELD = 1024;

export function loginRoutes(ctx: GatewayContext, authenticate: PasswordAuthenticator): Router {
  const router = Router();
  const loginPath = `${ctx.basePath}/login`;
  const { limiter, clock, store } = ctx.ports;
  const throttle = new SignInThrottle({ limiter, clock, store, policy: ctx.policy });
  const samlLoginUrl = (returnTo: string) =>
    ctx.ports.saml ? `${ctx.basePath}/saml/login?return_to=${encodeURIComponent(returnTo)}` : undefined;
  const oidc = ctx.config.logins.oidc;
  const oidcLogin = (returnTo: string) =>
    ctx.ports.oidc && oidc
      ? {
          url: `${ctx.basePath}${OIDC_LOGIN_PATH}?return_to=${encodeURIComponent(returnTo)}`,
          name: oidc.display_name,
        }
      : undefined;

  router.get('/login', (req, res) => {
    const returnTo = safeReturnTo(req.query.return_to, ctx.config.server, '/', ctx.ports.logger);
    const auth = signedIn(req);
    if (auth) {
      const step = nextStep(ctx, auth, returnTo);
      if (wantsJson(req)) return void res.json({ signed_in: true, ...step });
      return void res.redirect(303, step.redirect);
    }
    if (wantsJson(req)) return void res.json({ signed_in: false, login: loginPath });
    res.set('Cache-Control', 'no-store');
    res.type('html').send(
      loginPage({
        action: loginPath,
        csrfToken: ctx.csrfToken(req),
        returnTo,
        samlLoginUrl: samlLoginUrl(returnTo),
        oidcLogin: oidcLogin(returnTo),
      }),
    );
  });

  router.post('/login', async (req, res) => {
    const username = field(req.body, 'username')?.trim();
    const password = field(req.body, 'password');
    const returnTo = safeReturnTo(field(req.body, 'return_to'), ctx.config.server, '/', ctx.ports.logger);
    if (!username || password === undefined || password === '') {
      throw errors.badRequest('invalid_request', t('error.enter_username_password'));
    }
    if (username.length > MAX_FIELD || password.length > MAX_FIELD) throw errors.invalidCredentials();

    const client = clientOf(req);
    const attempt = {
      username,
      ip: client.ip,
      entryPoint: client.entryPoint,
      userAgent: req.get('user-agent') ?? null,
    };
    let identity;
    try {
      identity = await throttle.guard(attempt, () => authenticate(username, password));
    } catch (error) {
      if (error instanceof GatewayError && error.code === THROTTLED_CODE)
        return refuse(req, res, error, username, returnTo);
      throw error;
    }
    if (!identity) return refuse(req, res, errors.invalidCredentials(), username, returnTo);
    if (!(await completeSignIn(ctx, req, res, identity, returnTo))) {
      return refuse(req, res, errors.accessDenied(), username, returnTo);
    }
  });

  router.get('/logout', (req, res) => {
    const auth = signedIn(req);
    if (wantsJson(req)) return void res.json({ signed_in: auth !== undefined });
    res.set('Cache-Control', 'no-store').type('html');
    if (!auth) return void res.send(signedOutPage(loginPath));
    const stayUrl = nextStep(ctx, auth, req.session.returnTo ?? '/').redirect;
    res.send(signOutPage({ action: `${ctx.basePath}/logout`, csrf: ctx.csrfToken(req), stayUrl }));
  });

  router.post('/logout', async (req, res) => {
    await destroySession(req);
    // With the Domain it was set with, or the browser keeps it; Secure as it was set, or a
    // __Host-/__Secure- cookie cannot be cleared.
    const domain = ctx.config.session.cookie_domain || undefined;
    res.clearCookie(ctx.config.session.cookie_name, {
      path: '/',
      secure: secureCookies(ctx.config.server.public_url),
      ...(domain !== undefined && { domain }),
    });
    if (wantsJson(req)) return void res.json({ signed_out: true });
    res.set('Cache-Control', 'no-store');
    res.type('html').send(signedOutPage(loginPath));
  });

  /** A browser sees the form again with the error; an API client gets the JSON error. */
  function refuse(req: Request, res: Response, error: GatewayError, username: string, returnTo: string) {
    if (wantsJson(req)) return sendError(req, res, error);
    res.status(error.status).set('Cache-Control', 'no-store');
    res.type('html').send(
      loginPage({
        action: loginPath,
        csrfToken: ctx.csrfToken(req),
        returnTo,
        username,
        error: error.message,
        samlLoginUrl: samlLoginUrl(returnTo),
        oidcLogin: oidcLogin(returnTo),
      }),
    );
  }

  return router;
}
