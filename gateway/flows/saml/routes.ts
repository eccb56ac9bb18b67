/**
 * SAML federation (SPEC §1.6, §4): SP metadata, SP-initiated login, and the assertion consumer.
 * A response that does not validate, or that was seen before, is a 401 page or JSON with a stable
 * code — never a 500 — and the reason goes to the log. RelayState is only ever a path on our own origin.
 * A response answering one of our requests is accepted only from the browser that made it (binding.ts).
 */
import express, { Router } from 'express';
import { GatewayError, errors } from '../../errors.js';
import { t, type MessageKey } from '../../i18n/index.js';
import { safeReturnTo } from '../../http/redirects.js';
import type { GatewayContext } from '../../context.js';
import {
  SamlRejectedError,
  type SamlIdentity,
  type SamlRefusal,
  type SamlServiceProvider,
} from '../../ports.js';
import type { UserType } from '../../../policies/types.js';
import { secureCookies } from '../../http/session-cookie.js';
import { stepgateCookies } from '../../http/cookie-names.js';
import { completeSignIn } from '../login/complete.js';
import { SamlBrowserBinding } from './binding.js';
import type { Identity } from '../login/decide.js';

const USER_TYPES: readonly UserType[] = ['standard', 'portal', 'external'];

export const ACS_PATH = '/saml/acs';

function toIdentity(assertion: SamlIdentity): Identity {
  const userType = assertion.userType?.trim().toLowerCase() as UserType | undefined;
  return {
    user: assertion.nameId,
    email: assertion.email,
    login: 'saml',
    userType: userType && USER_TYPES.includes(userType) ? userType : 'standard',
    permissionSets: [],
    groups: assertion.groups,
  };
}

const replayed = () => new GatewayError(401, 'saml_replayed', t('error.saml.replayed'));

/** What the person is told of a refused response; why it was refused is only in the log. */
const REFUSALS: Record<SamlRefusal, [code: string, message: MessageKey]> = {
  rejected: ['saml_rejected', 'error.saml_rejected'],
  idp_refused: ['saml_idp_refused', 'error.federation.idp_refused'],
  unsolicited: ['saml_unsolicited', 'error.saml.unsolicited'],
  unbound: ['saml_unbound', 'error.federation.unbound'],
};

/** The browser has this long to come back from the IdP: as long as the IdP has to answer. */
const BINDING_LIFETIME_MS = 60 * 60_000;

function refused(error: SamlRejectedError): GatewayError {
  const [code, message] = REFUSALS[error.refusal];
  return new GatewayError(401, code, t(message));
}

export function samlRoutes(ctx: GatewayContext, sp: SamlServiceProvider): Router {
  const router = Router();
  const { config, ports } = ctx;
  const cookies = stepgateCookies(config.session, config.server.public_url);
  const binding = new SamlBrowserBinding({
    secret: config.session.secret,
    cookieName: cookies.saml,
    path: cookies.path(`${config.server.base_path}/saml`),
    secure: secureCookies(config.server.public_url),
    maxAgeMs: BINDING_LIFETIME_MS,
    logger: ports.logger,
  });

  router.get('/saml/metadata', (_req, res) => {
    res.type('application/samlmetadata+xml').send(sp.metadata());
  });

  router.get('/saml/login', async (req, res) => {
    const relayState = safeReturnTo(req.query.return_to, config.server, '/', ports.logger);
    const { url, requestId } = await sp.loginRequest(relayState);
    binding.bind(req, res, requestId);
    res.set('Cache-Control', 'no-store').redirect(302, url);
  });

  // The IdP posts here from its own origin: the signed response is the proof, not a CSRF token.
  router.post(ACS_PATH, express.urlencoded({ extended: false, limit: '256kb' }), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(body)) if (typeof value === 'string') fields[name] = value;
    if (!fields.SAMLResponse) throw errors.badRequest('invalid_request', t('error.saml.missing_response'));

    const assertion = await sp.validate(fields).catch((error: unknown) => {
      if (!(error instanceof SamlRejectedError)) throw error;
      // The page says little of why; the log must, or a misconfigured IdP cannot be diagnosed.
      const answer = refused(error);
      ports.logger.warn('SAML response refused', { code: answer.code, reason: error.message });
      throw answer;
    });
    // A response to one of our requests is accepted only from the browser that made the request.
    // (One without InResponseTo got past validate() only because allow_idp_initiated is true.)
    if (assertion.inResponseTo !== undefined) {
      if (!binding.claim(req, res, assertion.inResponseTo)) {
        ports.logger.warn('SAML response refused', {
          code: 'saml_unbound',
          reason: 'it answers a sign-in this browser did not start (no binding cookie for its InResponseTo)',
        });
        throw refused(new SamlRejectedError('unbound response', 'unbound'));
      }
    }
    if (!(await ports.replayCache.remember(`saml:${assertion.assertionId}`, assertion.validUntil))) {
      ports.logger.warn('replayed SAML assertion refused', { user: assertion.nameId });
      throw replayed();
    }
    const returnTo = safeReturnTo(fields.RelayState, config.server, '/', ports.logger);
    if (!(await completeSignIn(ctx, req, res, toIdentity(assertion), returnTo))) throw errors.accessDenied();
  });

  return router;
}
