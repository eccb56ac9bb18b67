/**
 * Mobile registration pages and their JSON twins (SPEC §1.4, §4): the number is checked and
 * proved by an SMS code before it counts; the user may decline. The rules live in
 * registration.ts, shared with the sidecar API; this file is HTTP only.
 */
import { Router, type Request, type Response } from 'express';
import { errors, isGatewayError } from '../../errors.js';
import { wantsJson } from '../../http/negotiate.js';
import { rotateSession, type SignedInUser } from '../../sessions.js';
import type { GatewayContext } from '../../context.js';
import type { Factors } from '../../factors/index.js';
import { maskPhone } from '../../factors/mask.js';
import type { FlowDeps } from '../confirm/challenge.js';
import { field, requireSignedIn } from '../guards.js';
import { nextStep } from '../next-step.js';
import { declineOption, declineRegistration, startRegistration, verifyRegistration } from './registration.js';
import { mobileCodePage, mobilePage } from './pages.js';

/** Registration happens at the sign-in prompt, or later from settings once confirmed. */
function requireRegistering(req: Request): SignedInUser {
  const auth = requireSignedIn(req);
  if (auth.stage === 'confirming') throw errors.confirmationRequired();
  return auth;
}

export function mobileRoutes(ctx: GatewayContext, factors: Factors): Router {
  const router = Router();
  const { basePath, ports } = ctx;
  const deps: FlowDeps = { ports, policy: ctx.policy, factors, notices: ctx.notices };

  async function showError(
    req: Request,
    res: Response,
    error: unknown,
    page: 'phone' | 'code',
    phone?: string,
  ) {
    if (!isGatewayError(error) || wantsJson(req) || !req.session.auth) throw error;
    const csrf = ctx.csrfToken(req);
    const auth = req.session.auth;
    res.status(error.status).set('Cache-Control', 'no-store').type('html');
    if (page === 'code') {
      const pending = await ports.store.getLatestCode(auth.user, 'mobile');
      const destination = pending ? maskPhone(pending.destination) : '';
      return void res.send(mobileCodePage({ basePath, csrf, destination, error: error.message }));
    }
    res.send(
      mobilePage({ basePath, csrf, decline: await declineOption(deps, auth), phone, error: error.message }),
    );
  }

  /** The next step after the prompt, with a new session id: the sign-in moved on. */
  async function moveOn(
    req: Request,
    res: Response,
    next: SignedInUser,
    extra: Record<string, unknown> = {},
  ) {
    req.session.auth = next;
    await rotateSession(req);
    const step = nextStep(ctx, next, req.session.returnTo ?? '/');
    if (wantsJson(req)) return void res.json({ ...extra, ...step });
    res.redirect(303, step.redirect);
  }

  router.get('/mobile', async (req, res) => {
    // Back from the challenge to a prompt already answered (declined, or a number proved): the
    // sign-in has moved on, and so does the page, instead of a 401 with nowhere to go.
    const current = req.session?.auth;
    if (current?.stage === 'confirming' && !wantsJson(req)) {
      return void res.redirect(303, nextStep(ctx, current, req.session.returnTo ?? '/').redirect);
    }
    const auth = requireRegistering(req);
    const decline = await declineOption(deps, auth);
    if (wantsJson(req)) {
      return void res.json({ prompt: auth.stage === 'registering_mobile', allow_decline: decline.allowed });
    }
    res.set('Cache-Control', 'no-store').type('html');
    res.send(mobilePage({ basePath, csrf: ctx.csrfToken(req), decline }));
  });

  router.post('/mobile', async (req, res) => {
    const phone = field(req.body, 'phone') ?? '';
    try {
      const { destination } = await startRegistration(deps, requireRegistering(req), phone);
      if (wantsJson(req)) return void res.json({ sent: true, destination });
      res
        .set('Cache-Control', 'no-store')
        .type('html')
        .send(mobileCodePage({ basePath, csrf: ctx.csrfToken(req), destination }));
    } catch (error) {
      await showError(req, res, error, 'phone', phone);
    }
  });

  router.post('/mobile/verify', async (req, res) => {
    try {
      const next = await verifyRegistration(deps, requireRegistering(req), field(req.body, 'code'));
      await moveOn(req, res, next, { verified: true });
    } catch (error) {
      await showError(req, res, error, 'code');
    }
  });

  router.post('/mobile/decline', async (req, res) => {
    await moveOn(req, res, await declineRegistration(deps, requireRegistering(req)));
  });

  return router;
}
