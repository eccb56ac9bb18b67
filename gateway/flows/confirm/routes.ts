/**
 * The challenge (SPEC §4): GET /confirm lists the offered methods, POST /confirm/send delivers a
 * code, POST /confirm/verify checks one. Every attempt is in the history before the answer goes out.
 */
import { Router, type Request, type Response } from 'express';
import { GatewayError, errors, isGatewayError } from '../../errors.js';
import { wantsJson } from '../../http/negotiate.js';
import { recordAttempt } from '../../history.js';
import { rotateSession, type SignedInUser } from '../../sessions.js';
import type { GatewayContext } from '../../context.js';
import type { Factors } from '../../factors/index.js';
import { maskEmail, maskPhone } from '../../factors/mask.js';
import type { MethodId, VerifyFailure } from '../../factors/types.js';
import { nextStep } from '../next-step.js';
import { field, requireSignedIn } from '../guards.js';
import { offeredMethods, userFacts, type UserFacts } from './methods.js';
import { confirmPage, enterCodePage, type OfferedMethod } from './pages.js';

export function failureError(failure: VerifyFailure): GatewayError {
  if (failure.reason === 'invalid_code') {
    const left = failure.attemptsLeft;
    const message =
      left === undefined
        ? 'That code is not right. Check it and try again.'
        : `That code is not right. You have ${left} attempt${left === 1 ? '' : 's'} left with this code.`;
    return errors.badRequest('invalid_code', message, left === undefined ? {} : { attempts_left: left });
  }
  const message =
    failure.reason === 'code_void'
      ? 'That code can no longer be used after too many wrong attempts. Request a new code.'
      : 'There is no active code. Request a new code.';
  return errors.badRequest('invalid_code', message, { attempts_left: 0 });
}

function describe(facts: UserFacts, methods: MethodId[]): OfferedMethod[] {
  return methods.map((id) => {
    if (id === 'sms' && facts.mobile) return { id, destination: maskPhone(facts.mobile) };
    if (id === 'email' && facts.email) return { id, destination: maskEmail(facts.email) };
    return { id };
  });
}

export function confirmRoutes(ctx: GatewayContext, factors: Factors): Router {
  const router = Router();
  const { basePath, ports } = ctx;

  async function challenge(auth: SignedInUser) {
    const policy = ctx.policy.current();
    const facts = await userFacts(auth, policy, ports);
    const methods = offeredMethods(facts, policy, { mobileProvedThisSignIn: auth.mobileProvedThisSignIn });
    return { facts, methods };
  }

  function requireConfirming(req: Request): SignedInUser {
    const auth = requireSignedIn(req);
    if (auth.stage !== 'confirming') {
      throw new GatewayError(409, 'nothing_to_confirm', 'There is nothing to confirm right now.');
    }
    return auth;
  }

  async function pickMethod(req: Request, auth: SignedInUser, needsDelivery: boolean) {
    const { facts, methods } = await challenge(auth);
    const method = field(req.body, 'method') as MethodId | undefined;
    const usable = methods.filter((id) => !needsDelivery || factors.byId[id].start);
    if (!method || !usable.includes(method)) {
      throw errors.badRequest(
        'invalid_method',
        `Choose one of the offered methods: ${usable.join(', ') || 'none'}.`,
      );
    }
    return { facts, methods, method };
  }

  /** A browser sees the page again with the error; an API client gets the JSON error. */
  async function showError(
    req: Request,
    res: Response,
    error: unknown,
    method?: MethodId,
    destination?: string,
  ) {
    if (!isGatewayError(error) || wantsJson(req) || !req.session.auth) throw error;
    const csrf = ctx.csrfToken(req);
    res.status(error.status).set('Cache-Control', 'no-store').type('html');
    if ((method === 'sms' || method === 'email') && destination && error.code === 'invalid_code') {
      return void res.send(enterCodePage({ basePath, csrf, method, destination, error: error.message }));
    }
    const auth = req.session.auth;
    const offered = auth?.stage === 'confirming' ? await challenge(auth) : undefined;
    res.send(
      confirmPage({
        basePath,
        csrf,
        methods: offered ? describe(offered.facts, offered.methods) : [],
        error: error.message,
      }),
    );
  }

  router.get('/confirm', async (req, res) => {
    const auth = requireSignedIn(req);
    if (auth.stage !== 'confirming') {
      const step = nextStep(basePath, auth, req.session.returnTo ?? '/');
      if (wantsJson(req)) return void res.json({ methods: [], ...step });
      return void res.redirect(303, step.redirect);
    }
    const { facts, methods } = await challenge(auth);
    const offered = describe(facts, methods);
    if (wantsJson(req)) return void res.json({ methods: offered });
    res
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(confirmPage({ basePath, csrf: ctx.csrfToken(req), methods: offered }));
  });

  router.post('/confirm/send', async (req, res) => {
    try {
      const auth = requireConfirming(req);
      const { facts, method } = await pickMethod(req, auth, true);
      const factor = factors.byId[method];
      await guardLocked(auth, method);
      let destination: string;
      try {
        ({ destination } = await factor.start!(facts));
      } catch (error) {
        if (isGatewayError(error) && error.status === 429) {
          await recordAttempt(ports, auth, { method, status: 'RateLimited' });
        }
        throw deliveryError(error);
      }
      await recordAttempt(ports, auth, { method, status: 'Initiated' });
      if (wantsJson(req)) return void res.json({ sent: true, destination });
      const csrf = ctx.csrfToken(req);
      res
        .set('Cache-Control', 'no-store')
        .type('html')
        .send(enterCodePage({ basePath, csrf, method: method as 'sms' | 'email', destination }));
    } catch (error) {
      await showError(req, res, error);
    }
  });

  router.post('/confirm/verify', async (req, res) => {
    let method: MethodId | undefined;
    let destination: string | undefined;
    try {
      const auth = requireConfirming(req);
      const picked = await pickMethod(req, auth, false);
      method = picked.method;
      destination = describe(picked.facts, [method])[0]?.destination;
      const code = field(req.body, 'code');
      if (!code) throw errors.badRequest('invalid_request', 'Enter the code.');
      await guardLocked(auth, method);
      const result = await factors.byId[method].verify(picked.facts, code);
      if (!result.ok) return await refuse(auth, method, result);
      await confirmed(req, auth, method);
      const step = nextStep(basePath, req.session.auth ?? auth, req.session.returnTo ?? '/');
      if (wantsJson(req)) return void res.json(step);
      res.redirect(303, step.redirect);
    } catch (error) {
      await showError(req, res, error, method, destination);
    }
  });

  async function guardLocked(auth: SignedInUser, method: MethodId) {
    try {
      await factors.lockout.assertNotLocked(auth.user);
    } catch (error) {
      await recordAttempt(ports, auth, { method, status: 'Locked' });
      throw error;
    }
  }

  async function refuse(auth: SignedInUser, method: MethodId, failure: VerifyFailure): Promise<never> {
    const status = failure.reason === 'code_void' ? 'FailedTooManyAttempts' : 'FailedInvalidCode';
    await recordAttempt(ports, auth, { method, status });
    const lockedUntil = await factors.lockout.recordFailure(auth.user);
    if (lockedUntil) {
      await recordAttempt(ports, auth, { method, status: 'Locked' });
      await factors.lockout.assertNotLocked(auth.user);
    }
    throw failureError(failure);
  }

  /** Success: the network is remembered, the history says so, and the session gets a new id. */
  async function confirmed(req: Request, auth: SignedInUser, method: MethodId) {
    const now = ports.clock.now();
    await factors.lockout.recordSuccess(auth.user);
    await ports.store.rememberNetwork(auth.user, ctx.policy.current().networkOf(auth.sourceIp), method, now);
    await recordAttempt(ports, auth, {
      method,
      status: 'Succeeded',
      trigger: method === 'temporary_code' ? 'TemporaryCode' : auth.trigger,
    });
    req.session.auth = { ...auth, stage: 'confirmed', challengeDue: false, confirmation: method };
    await rotateSession(req);
  }

  function deliveryError(error: unknown): unknown {
    if (isGatewayError(error)) return error;
    ports.logger.error('code delivery failed', {
      error: error instanceof Error ? error.message : String(error),
    });
    return new GatewayError(
      503,
      'delivery_failed',
      'We could not send the code just now. Try again in a moment, or choose another way to confirm.',
    );
  }

  return router;
}
