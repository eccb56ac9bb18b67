/**
 * Mobile registration apart from HTTP (SPEC §1.4): check the number, prove it by SMS, or decline.
 * Shared by the gateway's pages and the IdP sidecar API.
 */
import { GatewayError, errors } from '../../errors.js';
import { t } from '../../i18n/index.js';
import { recordAttempt } from '../../history.js';
import type { SignedInUser } from '../../sessions.js';
import { maskPhone } from '../../factors/mask.js';
import { checkMobileNumber } from '../../factors/sms/phone.js';
import { sendSmsCode } from '../../factors/sms/index.js';
import { screenNumberType } from '../../factors/sms/guard.js';
import type { MethodId } from '../../factors/types.js';
import { offeredMethods, saveVerifiedMobile, userFacts } from '../confirm/methods.js';
import { deliveryRefusal, guardLocked, refuseAnswer, type FlowDeps } from '../confirm/challenge.js';

export const REGISTRATION_TRIGGER = 'MobileRegistration' as const;

/** Whether the prompt may be declined, and if so the way the user then confirms, for the button. */
export type DeclineOption =
  { allowed: true; via: MethodId } | { allowed: false; reason?: GatewayError | undefined };

/**
 * Declining must leave a way forward: a method that lasts without a mobile number, email (an
 * address on the account, email enabled) or an authenticator app. A temporary code does not
 * count: it expires, and a user who declined is not asked again (`reprompt_after`), so they
 * would be left with nothing at the next sign-in from a new network.
 */
export async function declineOption(deps: FlowDeps, auth: SignedInUser): Promise<DeclineOption> {
  if (auth.stage !== 'registering_mobile') return { allowed: false };
  const policy = deps.policy.current();
  if (!policy.document.mobile_registration.allow_decline) {
    return {
      allowed: false,
      reason: declineRefused(t('error.mobile_required')),
    };
  }
  const facts = await userFacts(auth, policy, { ...deps.ports, methods: deps.factors.methods });
  const way = offeredMethods(deps.factors.methods, { ...facts, mobile: undefined }, policy, {
    allowed: auth.decision.methods,
    presentable: auth.presentableMethods,
  }).find((method) => method.lasting);
  if (way) return { allowed: true, via: way.id };
  return {
    allowed: false,
    reason: declineRefused(t('error.mobile_needed')),
  };
}

function declineRefused(message: string): GatewayError {
  return new GatewayError(403, 'decline_not_allowed', message);
}

/**
 * After the prompt: the challenge, if one is still due, else done. A number proved before the
 * challenge waits in the sign-in state and is saved only once the challenge is passed, so a
 * password alone cannot add a phone.
 */
export function afterPrompt(auth: SignedInUser, provedPhone?: string): SignedInUser {
  if (auth.stage !== 'registering_mobile') return auth;
  if (auth.challengeDue) {
    const proved =
      provedPhone === undefined ? {} : { mobileProvedThisSignIn: true, pendingMobile: provedPhone };
    return { ...auth, stage: 'confirming', ...proved };
  }
  return { ...auth, stage: 'confirmed' };
}

/** POST /mobile: a valid mobile number from an allowed country gets an SMS code (15 min, 3 attempts). */
export async function startRegistration(deps: FlowDeps, auth: SignedInUser, phone: string) {
  const doc = deps.policy.current().document;
  const checked = checkMobileNumber(phone, doc.methods.sms.allowed_countries);
  if (!checked.ok) {
    // A premium-rate number is the pumping guard's refusal, in the history and /metrics.
    const guarded = screenNumberType(checked.type, doc.methods.sms.pumping_guard.refused_number_types);
    if (checked.code === 'not_mobile' && guarded !== undefined) {
      throw await deliveryRefusal(
        deps,
        auth,
        'sms',
        deps.factors.smsGuard.refuse(guarded),
        REGISTRATION_TRIGGER,
      );
    }
    throw errors.badRequest(checked.code, checked.message);
  }
  await guardLocked(deps, auth, 'sms', REGISTRATION_TRIGGER);
  const registration = doc.mobile_registration;
  const { codes, limits, smsGuard: guard } = deps.factors;
  try {
    await sendSmsCode(
      { codes, sms: deps.ports.sms, limits, guard },
      {
        user: auth.user,
        to: checked.e164,
        sourceIp: auth.sourceIp,
        purpose: 'mobile',
        lifetimeMs: registration.code_lifetime,
        maxAttempts: registration.max_attempts,
        length: doc.identity_confirmation.code.length,
      },
    );
  } catch (error) {
    throw await deliveryRefusal(deps, auth, 'sms', error, REGISTRATION_TRIGGER);
  }
  await recordAttempt(deps.ports, auth, {
    method: 'sms',
    status: 'Initiated',
    trigger: REGISTRATION_TRIGGER,
  });
  return { destination: maskPhone(checked.e164) };
}

/** POST /mobile/verify: the code proves the number; the user is told by email of the new number. */
export async function verifyRegistration(deps: FlowDeps, auth: SignedInUser, code: string | undefined) {
  if (!code) throw errors.badRequest('invalid_request', t('error.enter_code'));
  await guardLocked(deps, auth, 'sms', REGISTRATION_TRIGGER);
  const result = await deps.factors.codes.verify(auth.user, 'mobile', 'sms', code);
  if (!result.ok) return refuseAnswer(deps, auth, 'sms', result, REGISTRATION_TRIGGER);
  await deps.factors.lockout.recordSuccess(auth.user);
  const next = afterPrompt(auth, result.destination);
  if (next.pendingMobile === undefined) {
    await saveVerifiedMobile(deps.ports.store, auth.user, result.destination, deps.ports.clock.now());
  }
  await recordAttempt(deps.ports, auth, {
    method: 'sms',
    status: 'Succeeded',
    trigger: REGISTRATION_TRIGGER,
  });
  await notifyNewMobile(deps, auth, result.destination);
  return next;
}

/** POST /mobile/decline: continue without a number; asked again only after `reprompt_after`. */
export async function declineRegistration(deps: FlowDeps, auth: SignedInUser): Promise<SignedInUser> {
  const option = await declineOption(deps, auth);
  if (!option.allowed) throw option.reason ?? declineRefused(t('error.no_prompt'));
  await deps.ports.store.recordRegistrationDecline(auth.user, deps.ports.clock.now());
  await recordAttempt(deps.ports, auth, { method: 'sms', status: 'Declined', trigger: REGISTRATION_TRIGGER });
  return afterPrompt(auth);
}

/** An independent notice (gateway/notices): a delivery failure is logged, never undoes the registration. */
async function notifyNewMobile(deps: FlowDeps, auth: SignedInUser, phone: string) {
  await deps.notices?.mobileAdded(auth.user, auth.email, maskPhone(phone));
}
