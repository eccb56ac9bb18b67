/**
 * The verification history (SPEC §5): every attempt, written before the response is sent, with
 * who, how, what happened, why it was asked, and from where.
 */
import type { HistoryStatus, HistoryTrigger, Ports } from './ports.js';
import type { SignedInUser } from './sessions.js';

export interface Attempt {
  method: string;
  status: HistoryStatus;
  trigger?: HistoryTrigger | null;
  detail?: string | null;
}

export function recordAttempt(
  ports: Pick<Ports, 'store' | 'clock'>,
  auth: SignedInUser,
  attempt: Attempt,
): Promise<void> {
  return ports.store.appendHistory({
    time: ports.clock.now(),
    user: auth.user,
    method: attempt.method,
    status: attempt.status,
    triggeredBy: attempt.trigger === undefined ? auth.trigger : attempt.trigger,
    sourceIp: auth.sourceIp,
    login: auth.login,
    entryPoint: auth.entryPoint,
    userAgent: auth.userAgent,
    detail: attempt.detail ?? null,
  });
}
