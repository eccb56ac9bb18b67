/**
 * OpenID Connect federation (SPEC §3 `logins.oidc`, §4): `GET /oidc/login` sends the browser to
 * the provider with a fresh state, nonce and PKCE challenge; `GET /oidc/callback` takes the answer.
 * The answer is accepted once, only in the browser that started the sign-in (pending.ts), and only
 * when the provider's ID token passes every check (the adapter). A refused answer is a 401 page or
 * JSON with a stable code, a provider that does not answer a 503, never a 500; the reason goes to
 * the log. Where to go afterwards is only ever a path on our own origin.
 */
import { Router, type Request } from 'express';
import { GatewayError, errors } from '../../errors.js';
import { t, type MessageKey } from '../../i18n/index.js';
import { safeReturnTo } from '../../http/redirects.js';
import { secureCookies } from '../../http/session-cookie.js';
import { stepgateCookies } from '../../http/cookie-names.js';
import type { GatewayContext } from '../../context.js';
import {
  DependencyUnavailableError,
  OidcRejectedError,
  type OidcIdentity,
  type OidcRefusal,
  type OidcRelyingParty,
} from '../../ports.js';
import { USER_TYPES } from '../../../policies/schema-fields.js';
import type { UserType } from '../../../policies/types.js';
import { completeSignIn } from '../login/complete.js';
import type { Identity } from '../login/decide.js';
import { PendingSignIns } from './pending.js';

export const OIDC_LOGIN_PATH = '/oidc/login';
export const OIDC_CALLBACK_PATH = '/oidc/callback';

/** The person has this long at the provider (a password, a second factor) before the answer is refused. */
const SIGN_IN_LIFETIME_MS = 15 * 60_000;

function isUserType(value: string | undefined): value is UserType {
  return (USER_TYPES as readonly string[]).includes(value ?? '');
}

function toIdentity(person: OidcIdentity): Identity {
  const userType = person.userType?.trim().toLowerCase();
  return {
    user: person.username,
    email: person.email,
    login: 'oidc',
    userType: isUserType(userType) ? userType : 'standard',
    permissionSets: [],
    groups: person.groups,
  };
}

const unbound = () => new GatewayError(401, 'oidc_unbound', t('error.federation.unbound'));

const replayed = () => new GatewayError(401, 'oidc_replayed', t('error.oidc.replayed'));

const unavailable = () => new GatewayError(503, 'oidc_unavailable', t('error.oidc.unavailable'));

/** What the person is told of a refused answer; why it was refused is only in the log. */
const REFUSALS: Record<OidcRefusal, [code: string, message: MessageKey]> = {
  rejected: ['oidc_rejected', 'error.saml_rejected'],
  idp_refused: ['oidc_idp_refused', 'error.federation.idp_refused'],
};

export function oidcRoutes(ctx: GatewayContext, relyingParty: OidcRelyingParty): Router {
  const router = Router();
  const { config, ports } = ctx;
  const redirectUri = `${config.server.public_url.replace(/\/+$/, '')}${config.server.base_path}${OIDC_CALLBACK_PATH}`;
  const cookies = stepgateCookies(config.session, config.server.public_url);
  const pending = new PendingSignIns({
    secret: config.session.secret,
    cookieName: cookies.oidc,
    path: cookies.path(`${config.server.base_path}/oidc`),
    secure: secureCookies(config.server.public_url),
    lifetimeMs: SIGN_IN_LIFETIME_MS,
    now: () => ports.clock.now().getTime(),
    logger: ports.logger,
  });

  /** The provider could not be asked: the person gets a 503, the operator the reason. */
  function outage(error: unknown): never {
    if (!(error instanceof DependencyUnavailableError)) throw error;
    ports.logger.warn('OpenID Connect provider unavailable', {
      code: 'oidc_unavailable',
      reason: error.cause instanceof Error ? error.cause.message : error.message,
    });
    throw unavailable();
  }

  function refused(error: unknown): never {
    if (!(error instanceof OidcRejectedError)) outage(error);
    const [code, message] = REFUSALS[error.refusal];
    // The page says little of why; the log must, or a misconfigured provider cannot be diagnosed.
    ports.logger.warn('OpenID Connect answer refused', { code, reason: error.message });
    throw new GatewayError(401, code, t(message));
  }

  /** Our redirect URI with the query the provider sent the browser back with. */
  function callbackUrl(req: Request): URL {
    const url = new URL(redirectUri);
    const query = req.originalUrl.indexOf('?');
    url.search = query < 0 ? '' : req.originalUrl.slice(query);
    return url;
  }

  router.get(OIDC_LOGIN_PATH, async (req, res) => {
    const returnTo = safeReturnTo(req.query.return_to, config.server, '/', ports.logger);
    const authorization = await relyingParty.start().catch(outage);
    pending.keep(req, res, authorization.checks, returnTo);
    res.set('Cache-Control', 'no-store').redirect(302, authorization.url);
  });

  router.get(OIDC_CALLBACK_PATH, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const state = typeof req.query.state === 'string' ? req.query.state : undefined;
    const started = state === undefined ? undefined : pending.take(req, res, state);
    if (!started) {
      ports.logger.warn('OpenID Connect answer refused', {
        code: 'oidc_unbound',
        reason:
          state === undefined
            ? 'the callback carries no state'
            : 'no unexpired sign-in of this browser has that state (no cookie for it, or a forged one)',
      });
      throw unbound();
    }
    // A copied cookie could present the same state twice; across instances too, the state is used once.
    if (
      !(await ports.replayCache.remember(`oidc:state:${started.checks.state}`, new Date(started.expiresAt)))
    ) {
      ports.logger.warn('OpenID Connect answer refused', {
        code: 'oidc_replayed',
        reason: 'state used before',
      });
      throw replayed();
    }
    const person = await relyingParty.finish(callbackUrl(req), started.checks).catch(refused);
    if (!(await completeSignIn(ctx, req, res, toIdentity(person), started.returnTo))) {
      throw errors.accessDenied();
    }
  });

  return router;
}
