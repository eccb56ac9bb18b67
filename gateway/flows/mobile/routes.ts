/**
 * Mobile registration (SPEC §1.4): the number is checked (E.164, a mobile, an allowed country)
 * and proved by an SMS code before it counts. The user may decline. A new number is announced
 * by email, so a stolen session cannot quietly take over the second factor.
 */
import { Router, type Request, type Response } from 'express';
import { GatewayError, errors, isGatewayError } from '../../errors.js';
import { wantsJson } from '../../http/negotiate.js';
import { recordAttempt } from '../../history.js';
import { rotateSession, type SignedInUser } from '../../sessions.js';
import type { GatewayContext } from '../../context.js';
import type { Factors } from '../../factors/index.js';
import { maskPhone } from '../../factors/mask.js';
import { newMobileNotice } from '../../factors/messages.js';
import { checkMobileNumber } from '../../factors/sms/phone.js';
import { sendSmsCode } from '../../factors/sms/index.js';
import { failureError } from '../confirm/routes.js';
import { field, requireSignedIn } from '../guards.js';
import { nextStep } from '../next-step.js';
import { mobileCodePage, mobilePage } from './pages.js';

const TRIGGER = 'MobileRegistration' as const;

/** Registration happens at the sign-in prompt, or later from settings once confirmed. */
function requireRegistering(req: Request): SignedInUser {
  const auth = requireSignedIn(req);
  if (auth.stage === 'confirming') throw errors.confirmationRequired();
  return auth;
}

/** After the prompt: the challenge, if one is still due, else the application. */
function afterPrompt(auth: SignedInUser, proved: boolean): SignedInUser {
  if (auth.stage !== 'registering_mobile') return auth;
  if (auth.challengeDue) return { ...auth, stage: 'confirming', mobileProvedThisSignIn: proved || undefined };
  return { ...auth, stage: 'confirmed' };
}

export function mobileRoutes(ctx: GatewayContext, factors: Factors): Router {
  const router = Router();
  const { basePath, ports } = ctx;
  const settings = () => ctx.policy.current().document;

  async function showError(
    req: Request,
    res: Response,
    error: unknown,
    page: 'phone' | 'code',
    phone?: string,
  ) {
    if (!isGatewayError(error) || wantsJson(req) || !req.session.auth) throw error;
    const csrf = ctx.csrfToken(req);
    res.status(error.status).set('Cache-Control', 'no-store').type('html');
    if (page === 'code') {
      const pending = await ports.store.getLatestCode(req.session.auth.user, 'mobile');
      const destination = pending ? maskPhone(pending.destination) : '';
      return void res.send(mobileCodePage({ basePath, csrf, destination, error: error.message }));
    }
    res.send(
      mobilePage({ basePath, csrf, allowDecline: canDecline(req.session.auth), phone, error: error.message }),
    );
  }

  const canDecline = (auth: SignedInUser) =>
    auth.stage === 'registering_mobile' && settings().mobile_registration.allow_decline;

  router.get('/mobile', (req, res) => {
    const auth = requireRegistering(req);
    if (wantsJson(req)) {
      return void res.json({ prompt: auth.stage === 'registering_mobile', allow_decline: canDecline(auth) });
    }
    res.set('Cache-Control', 'no-store').type('html');
    res.send(mobilePage({ basePath, csrf: ctx.csrfToken(req), allowDecline: canDecline(auth) }));
  });

  router.post('/mobile', async (req, res) => {
    const phone = field(req.body, 'phone') ?? '';
    try {
      const auth = requireRegistering(req);
      const doc = settings();
      const checked = checkMobileNumber(phone, doc.methods.sms.allowed_countries);
      if (!checked.ok) throw errors.badRequest(checked.code, checked.message);
      await factors.lockout.assertNotLocked(auth.user);
      const registration = doc.mobile_registration;
      try {
        await sendSmsCode(
          { codes: factors.codes, sms: ports.sms, limits: factors.limits },
          {
            user: auth.user,
            to: checked.e164,
            purpose: 'mobile',
            lifetimeMs: registration.code_lifetime,
            maxAttempts: registration.max_attempts,
            length: doc.identity_confirmation.code.length,
          },
        );
      } catch (error) {
        if (isGatewayError(error) && error.status === 429) {
          await recordAttempt(ports, auth, { method: 'sms', status: 'RateLimited', trigger: TRIGGER });
        }
        throw error;
      }
      await recordAttempt(ports, auth, { method: 'sms', status: 'Initiated', trigger: TRIGGER });
      const destination = maskPhone(checked.e164);
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
      const auth = requireRegistering(req);
      const code = field(req.body, 'code');
      if (!code) throw errors.badRequest('invalid_request', 'Enter the code.');
      await factors.lockout.assertNotLocked(auth.user);
      const result = await factors.codes.verify(auth.user, 'mobile', 'sms', code);
      if (!result.ok) {
        const status = result.reason === 'code_void' ? 'FailedTooManyAttempts' : 'FailedInvalidCode';
        await recordAttempt(ports, auth, { method: 'sms', status, trigger: TRIGGER });
        if (await factors.lockout.recordFailure(auth.user)) {
          await recordAttempt(ports, auth, { method: 'sms', status: 'Locked', trigger: TRIGGER });
          await factors.lockout.assertNotLocked(auth.user);
        }
        throw failureError(result);
      }
      await factors.lockout.recordSuccess(auth.user);
      const now = ports.clock.now();
      await ports.store.saveMobile({
        user: auth.user,
        phone: result.destination,
        verifiedAt: now,
        source: 'self',
        removedSourcePhone: null,
        updatedAt: now,
      });
      await recordAttempt(ports, auth, { method: 'sms', status: 'Succeeded', trigger: TRIGGER });
      await notifyNewMobile(auth, result.destination);
      req.session.auth = afterPrompt(auth, true);
      await rotateSession(req);
      const step = nextStep(basePath, req.session.auth, req.session.returnTo ?? '/');
      if (wantsJson(req)) return void res.json({ verified: true, ...step });
      res.redirect(303, step.redirect);
    } catch (error) {
      await showError(req, res, error, 'code');
    }
  });

  router.post('/mobile/decline', async (req, res) => {
    const auth = requireRegistering(req);
    if (!canDecline(auth)) {
      throw new GatewayError(
        403,
        'decline_not_allowed',
        'Your organisation requires a mobile number on your account.',
      );
    }
    await ports.store.recordRegistrationDecline(auth.user, ports.clock.now());
    await recordAttempt(ports, auth, { method: 'sms', status: 'Declined', trigger: TRIGGER });
    req.session.auth = afterPrompt(auth, false);
    await rotateSession(req);
    const step = nextStep(basePath, req.session.auth, req.session.returnTo ?? '/');
    if (wantsJson(req)) return void res.json(step);
    res.redirect(303, step.redirect);
  });

  /** An independent notice: a delivery failure is logged, never a reason to undo the registration. */
  async function notifyNewMobile(auth: SignedInUser, phone: string) {
    if (!auth.email) return;
    try {
      await ports.email.sendEmail(newMobileNotice(auth.email, maskPhone(phone)));
    } catch (error) {
      ports.logger.warn('new-mobile notice not delivered', {
        user: auth.user,
        error: (error as Error).message,
      });
    }
  }

  return router;
}
