/**
 * Consecutive failures (SPEC §2): `max_failures` wrong answers within `window`, whatever the
 * method, lock the user for `duration`. A success ends the run; a new code does not.
 */
import { GatewayError } from '../errors.js';
import { t } from '../i18n/index.js';
import type { PolicySource } from '../context.js';
import type { Clock, Limiter } from '../ports.js';

/** SPEC §2's sentence, in English; the catalogue holds it (error.locked) with its translations. */
export const LOCKED_MESSAGE = "You've exceeded the allowed number of attempts. Try again later.";

export function lockedError(until: Date, now: Date): GatewayError {
  return new GatewayError(423, 'locked', t('error.locked'), {
    retry_after: Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000)),
  });
}

/** Whether an error is the lock's own refusal, as opposed to a limiter that could not answer. */
export function isLockedError(error: unknown): boolean {
  return error instanceof GatewayError && error.code === 'locked';
}

export class Lockout {
  constructor(private readonly deps: { limiter: Limiter; clock: Clock; policy: PolicySource }) {}

  /** Throws the 423 while the user is locked. */
  async assertNotLocked(user: string): Promise<void> {
    const now = this.deps.clock.now();
    const until = await this.deps.limiter.lockedUntil(`lock:${user}`, now);
    if (until) throw lockedError(until, now);
  }

  /** Records a failure; returns the lock's end when this failure locked the user. */
  async recordFailure(user: string): Promise<Date | undefined> {
    const { max_failures, window, duration } =
      this.deps.policy.current().document.identity_confirmation.lockout;
    const now = this.deps.clock.now();
    const failures = await this.deps.limiter.recordFailure(`fail:${user}`, window, now);
    if (failures < max_failures) return undefined;
    const until = new Date(now.getTime() + duration);
    await this.deps.limiter.lock(`lock:${user}`, until);
    await this.deps.limiter.clearFailures(`fail:${user}`);
    return until;
  }

  async recordSuccess(user: string): Promise<void> {
    await this.deps.limiter.clearFailures(`fail:${user}`);
  }
}
