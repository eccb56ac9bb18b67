/**
 * The challenge itself, apart from HTTP: which methods are offered, starting one, checking an
 * answer. The gateway's pages and the IdP sidecar API both run on these, so limits, lockouts and
 * history are the same whichever door a person came through. Methods are found in the registry
 * and known only by their interface (factors/types.ts).
 */
import { GatewayError, errors, isGatewayError } from '../../errors.js';
import { deliveryFailure } from '../../http/error-handler.js';
import { recordAttempt } from '../../history.js';
import { DeliveryError, type HistoryTrigger, type Ports } from '../../ports.js';
import type { SignedInUser } from '../../sessions.js';
import type { PolicySource } from '../../context.js';
import type { Factors } from '../../factors/index.js';
import { isLockedError } from '../../factors/lockout.js';
import { isSmsRefused, type SmsRefused } from '../../factors/sms/guard.js';
import { t, tn } from '../../i18n/index.js';
import type { AccountNotices } from '../../notices/index.js';
import type { ConfirmationMethod, OfferedMethod, VerifyFailure } from '../../factors/types.js';
import { challengeFacts, offeredMethods, saveVerifiedMobile, userFacts, type UserFacts } from './methods.js';

export interface FlowDeps {
  ports: Ports;
  policy: PolicySource;
  factors: Factors;
  /** Where sign-ins from new networks and new mobile numbers are told to their users. */
  notices?: AccountNotices | undefined;
}

export type { OfferedMethod } from '../../factors/types.js';

export function failureError(failure: VerifyFailure): GatewayError {
  if (failure.reason === 'invalid_code') {
    const left = failure.attemptsLeft;
    const message =
      failure.message ?? (left === undefined ? t('error.invalid_code') : tn('error.invalid_code_left', left));
    return errors.badRequest('invalid_code', message, left === undefined ? {} : { attempts_left: left });
  }
  const message =
    failure.message ?? (failure.reason === 'code_void' ? t('error.code_void') : t('error.no_code'));
  return errors.badRequest('invalid_code', message, { attempts_left: 0 });
}

export function describeMethods(facts: UserFacts, methods: readonly ConfirmationMethod[]): OfferedMethod[] {
  return methods.map((method) => ({ id: method.id, ...method.describe(facts) }));
}

export async function currentChallenge(deps: FlowDeps, auth: SignedInUser) {
  const policy = deps.policy.current();
  const { methods: registry } = deps.factors;
  const options = {
    mobileProvedThisSignIn: auth.mobileProvedThisSignIn,
    allowed: auth.decision.methods,
    presentable: auth.presentableMethods,
  };
  const facts = challengeFacts(
    await userFacts(auth, policy, { ...deps.ports, methods: registry }),
    policy,
    options,
  );
  const methods = offeredMethods(registry, facts, policy, options);
  return { facts, methods, offered: describeMethods(facts, methods) };
}

/** The method a request names, if this challenge offers it (and, for starting, if it has a start). */
export async function pickMethod(
  deps: FlowDeps,
  auth: SignedInUser,
  requested: unknown,
  needsStart: boolean,
) {
  const { facts, methods } = await currentChallenge(deps, auth);
  const usable = methods.filter((method) => !needsStart || method.start);
  const method = usable.find((candidate) => candidate.id === requested);
  if (!method) {
    const methods = usable.map((m) => m.id).join(', ') || 'none';
    throw errors.badRequest('invalid_method', t('error.invalid_method', { methods }));
  }
  return { facts, method };
}

/**
 * A refusal by the lock is an attempt too: the history shows it (SPEC §5). A limiter that could
 * not answer (503) locked nobody, so it is not written as `Locked`: that would fill the audit
 * trail and set off lockout alerts during an outage.
 */
export async function guardLocked(
  deps: FlowDeps,
  auth: SignedInUser,
  method: string,
  trigger?: HistoryTrigger,
) {
  try {
    await deps.factors.lockout.assertNotLocked(auth.user);
  } catch (error) {
    if (isLockedError(error)) await recordAttempt(deps.ports, auth, { method, status: 'Locked', trigger });
    throw error;
  }
}

/**
 * The SMS-pumping guard refused a text (docs/sms-pumping.md): `RateLimited` in the history with
 * the guard's reason (the status SPEC §5 has for a refused send; the detail tells them apart),
 * and an error that offers the methods still open (the JSON's `methods`, as GET /confirm lists
 * them), or, when registering a number, says what to do instead.
 */
async function smsRefusal(
  deps: FlowDeps,
  auth: SignedInUser,
  error: SmsRefused,
  trigger?: HistoryTrigger,
): Promise<GatewayError> {
  await recordAttempt(deps.ports, auth, {
    method: 'sms',
    status: 'RateLimited',
    trigger,
    detail: `sms guard: ${error.reason}`,
  });
  const { methods, offered } = await currentChallenge(deps, auth);
  const others = methods.filter((method) => method.id !== 'sms');
  const instead =
    trigger === 'MobileRegistration'
      ? t(error.budget ? 'error.sms_try_later' : 'error.sms_other_number')
      : others.length > 0
        ? t('error.sms_other_methods', { methods: others.map((method) => method.label).join(', ') })
        : t('error.sms_try_later');
  return new GatewayError(error.status, error.code, `${error.message} ${instead}`, {
    ...error.fields,
    methods: offered.filter((method) => method.id !== 'sms'),
  });
}

/** Delivery problems become the errors a person can act on; a rate limit is recorded as such. */
export async function deliveryRefusal(
  deps: FlowDeps,
  auth: SignedInUser,
  method: string,
  error: unknown,
  trigger?: HistoryTrigger,
): Promise<unknown> {
  if (isSmsRefused(error)) return smsRefusal(deps, auth, error, trigger);
  if (isGatewayError(error)) {
    if (error.status === 429)
      await recordAttempt(deps.ports, auth, { method, status: 'RateLimited', trigger });
    return error;
  }
  if (error instanceof DeliveryError) {
    deps.ports.logger.warn('code delivery failed', { code: error.code, permanent: error.permanent });
    return deliveryFailure(error);
  }
  deps.ports.logger.error('code delivery failed', {
    error: error instanceof Error ? error.message : String(error),
  });
  return deliveryFailure(DeliveryError.transient(error));
}

/**
 * POST /confirm/send: the method starts its challenge (a code by SMS or email within the send
 * limits, a WebAuthn challenge), while the user is not locked. What it keeps for the answer goes
 * with the returned sign-in state, which the caller saves.
 */
export async function sendChallengeCode(deps: FlowDeps, auth: SignedInUser, requested: unknown) {
  const { facts, method } = await pickMethod(deps, auth, requested, true);
  await guardLocked(deps, auth, method.id);
  let started;
  try {
    started = await method.start!(facts);
  } catch (error) {
    throw await deliveryRefusal(deps, auth, method.id, error);
  }
  await recordAttempt(deps.ports, auth, { method: method.id, status: 'Initiated' });
  const pending = started.state === undefined ? undefined : { method: method.id, state: started.state };
  return { method, shown: started.shown, auth: { ...auth, pendingChallenge: pending } };
}

/** A wrong answer: recorded, counted toward the lockout, and refused (423 when it locked the user). */
export async function refuseAnswer(
  deps: FlowDeps,
  auth: SignedInUser,
  method: string,
  failure: VerifyFailure,
  trigger?: HistoryTrigger,
): Promise<never> {
  const status = failure.reason === 'code_void' ? 'FailedTooManyAttempts' : 'FailedInvalidCode';
  await recordAttempt(deps.ports, auth, { method, status, trigger });
  if (await deps.factors.lockout.recordFailure(auth.user)) {
    await recordAttempt(deps.ports, auth, { method, status: 'Locked', trigger });
    await deps.factors.lockout.assertNotLocked(auth.user);
  }
  throw failureError(failure);
}

/**
 * POST /confirm/verify. Success: the network is remembered, a number proved during this sign-in
 * now counts, and the history says so. Returns the confirmed state; the caller renews the session.
 */
export async function verifyChallengeCode(
  deps: FlowDeps,
  auth: SignedInUser,
  requested: unknown,
  body: unknown,
): Promise<SignedInUser> {
  const { facts, method } = await pickMethod(deps, auth, requested, false);
  const answer = method.readAnswer(body);
  if (answer === undefined) throw errors.badRequest('invalid_request', method.missingAnswer);
  await guardLocked(deps, auth, method.id);
  const pending = auth.pendingChallenge?.method === method.id ? auth.pendingChallenge.state : undefined;
  const result = await method.verify(facts, answer, pending);
  if (!result.ok) return refuseAnswer(deps, auth, method.id, result);
  const { ports } = deps;
  const now = ports.clock.now();
  await deps.factors.lockout.recordSuccess(auth.user);
  if (auth.pendingMobile) await saveVerifiedMobile(ports.store, auth.user, auth.pendingMobile, now);
  const network = deps.policy.current().networkOf(auth.sourceIp);
  const known = await ports.store.findRememberedNetwork(auth.user, network);
  await ports.store.rememberNetwork(auth.user, network, method.id, now);
  await recordAttempt(ports, auth, {
    method: method.id,
    status: 'Succeeded',
    trigger: method.successTrigger ?? auth.trigger,
  });
  if (!known) {
    await deps.notices?.newNetwork({
      user: auth.user,
      email: auth.email,
      network,
      sourceIp: auth.sourceIp,
      method: method.label,
      rule: auth.decision.rule,
    });
  }
  return {
    ...auth,
    stage: 'confirmed',
    challengeDue: false,
    confirmation: method.id,
    pendingMobile: undefined,
    pendingChallenge: undefined,
  };
}
