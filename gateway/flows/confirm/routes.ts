/**
 * The challenge pages and their JSON twins (SPEC §4): GET /confirm lists the offered methods,
 * POST /confirm/send delivers a code, POST /confirm/verify checks one. The rules live in
 * challenge.ts, shared with the sidecar API; this file is HTTP only.
 */
import { Router, type Request, type Response } from 'express';
import { GatewayError, isGatewayError } from '../../errors.js';
import { wantsJson } from '../../http/negotiate.js';
import { rotateSession, type SignedInUser } from '../../sessions.js';
import type { GatewayContext } from '../../context.js';
import type { Factors } from '../../factors/index.js';
import type { MethodId } from '../../factors/types.js';
import { nextStep } from '../next-step.js';
import { field, requireSignedIn } from '../guards.js';
import { currentChallenge, sendChallengeCode, verifyChallengeCode, type FlowDeps } from './challenge.js';
import { confirmPage, enterCodePage } from './pages.js';

export { failureError } from './challenge.js';

function requireConfirming(req: Request): SignedInUser {
  const auth = requireSignedIn(req);
  if (auth.stage !== 'confirming') {
    throw new GatewayError(409, 'nothing_to_confirm', 'There is nothing to confirm right now.');
  }
  return auth;
}

export function confirmRoutes(ctx: GatewayContext, factors: Factors): Router {
  const router = Router();
  const { basePath } = ctx;
  const deps: FlowDeps = { ports: ctx.ports, policy: ctx.policy, factors };

  /** A browser sees the page again with the error; an API client gets the JSON error. */
  async function showError(req: Request, res: Response, error: unknown, method?: MethodId) {
    if (!isGatewayError(error) || wantsJson(req) || !req.session.auth) throw error;
    const csrf = ctx.csrfToken(req);
    const auth = req.session.auth;
    const challenge = auth.stage === 'confirming' ? await currentChallenge(deps, auth) : undefined;
    res.status(error.status).set('Cache-Control', 'no-store').type('html');
    const destination = challenge?.offered.find((m) => m.id === method)?.destination;
    if ((method === 'sms' || method === 'email') && destination && error.code === 'invalid_code') {
      return void res.send(enterCodePage({ basePath, csrf, method, destination, error: error.message }));
    }
    res.send(confirmPage({ basePath, csrf, methods: challenge?.offered ?? [], error: error.message }));
  }

  router.get('/confirm', async (req, res) => {
    const auth = requireSignedIn(req);
    if (auth.stage !== 'confirming') {
      const step = nextStep(ctx, auth, req.session.returnTo ?? '/');
      if (wantsJson(req)) return void res.json({ methods: [], ...step });
      return void res.redirect(303, step.redirect);
    }
    const { offered } = await currentChallenge(deps, auth);
    if (wantsJson(req)) return void res.json({ methods: offered });
    res
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(confirmPage({ basePath, csrf: ctx.csrfToken(req), methods: offered }));
  });

  router.post('/confirm/send', async (req, res) => {
    try {
      const auth = requireConfirming(req);
      const { method, destination } = await sendChallengeCode(deps, auth, field(req.body, 'method'));
      if (wantsJson(req)) return void res.json({ sent: true, destination });
      res
        .set('Cache-Control', 'no-store')
        .type('html')
        .send(
          enterCodePage({
            basePath,
            csrf: ctx.csrfToken(req),
            method: method as 'sms' | 'email',
            destination,
          }),
        );
    } catch (error) {
      await showError(req, res, error);
    }
  });

  router.post('/confirm/verify', async (req, res) => {
    const method = field(req.body, 'method') as MethodId | undefined;
    try {
      const auth = requireConfirming(req);
      req.session.auth = await verifyChallengeCode(deps, auth, method, field(req.body, 'code'));
      // A new session id once confirmed: whoever held the old one has only a password's worth.
      await rotateSession(req);
      const step = nextStep(ctx, req.session.auth, req.session.returnTo ?? '/');
      if (wantsJson(req)) return void res.json(step);
      res.redirect(303, step.redirect);
    } catch (error) {
      await showError(req, res, error, method);
    }
  });

  return router;
}
