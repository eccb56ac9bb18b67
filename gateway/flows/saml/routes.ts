/**
 * SAML federation (SPEC §1.6, §4): SP metadata, SP-initiated login, and the assertion consumer.
 * A response that does not validate, or that was seen before, is a 401 page — never a 500.
 * RelayState is only ever a path on our own origin.
 */
import express, { Router } from 'express';
import { GatewayError, errors } from '../../errors.js';
import { safeReturnTo } from '../../http/redirects.js';
import type { GatewayContext } from '../../context.js';
import { SamlRejectedError, type SamlIdentity, type SamlServiceProvider } from '../../ports.js';
import type { UserType } from '../../../policies/types.js';
import { completeSignIn } from '../login/complete.js';
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

const replayed = () =>
  new GatewayError(401, 'saml_replayed', 'This sign-in response was already used. Start signing in again.');

export function samlRoutes(ctx: GatewayContext, sp: SamlServiceProvider): Router {
  const router = Router();
  const { config, ports } = ctx;

  router.get('/saml/metadata', (_req, res) => {
    res.type('application/samlmetadata+xml').send(sp.metadata());
  });

  router.get('/saml/login', async (req, res) => {
    const relayState = safeReturnTo(req.query.return_to, config.server.public_url);
    res.set('Cache-Control', 'no-store').redirect(302, await sp.loginUrl(relayState));
  });

  // The IdP posts here from its own origin: the signed response is the proof, not a CSRF token.
  router.post(ACS_PATH, express.urlencoded({ extended: false, limit: '256kb' }), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(body)) if (typeof value === 'string') fields[name] = value;
    if (!fields.SAMLResponse) throw errors.badRequest('invalid_request', 'The sign-in response is missing.');

    const assertion = await sp.validate(fields).catch((error: unknown) => {
      // The page says nothing of why; the log must, or a misconfigured IdP cannot be diagnosed.
      if (error instanceof SamlRejectedError)
        ports.logger.warn('SAML response refused', { reason: error.message });
      throw error;
    });
    if (!(await ports.replayCache.remember(`saml:${assertion.assertionId}`, assertion.validUntil))) {
      ports.logger.warn('replayed SAML assertion refused', { user: assertion.nameId });
      throw replayed();
    }
    const returnTo = safeReturnTo(fields.RelayState, config.server.public_url);
    if (!(await completeSignIn(ctx, req, res, toIdentity(assertion), returnTo))) throw errors.accessDenied();
  });

  return router;
}
