/**
 * Hard limits on sending (SPEC §1.5): at most `count` SMS per user per rolling `per`, and an
 * email limit of its own so a mailbox cannot be flooded. Refused with 429 and SPEC's message.
 */
import { GatewayError } from '../errors.js';
import { t } from '../i18n/index.js';
import type { PolicySource } from '../context.js';
import type { Clock, Limiter } from '../ports.js';

/** SPEC §1.5's sentence, in English; the catalogue holds it (error.rate_limited) with its translations. */
export const RATE_LIMITED_MESSAGE =
  'Unable to send you a verification code at this time. You may have attempted too many verifications in the last hour. Try again later.';

export function rateLimited(retryAfterMs: number): GatewayError {
  return new GatewayError(429, 'rate_limited', t('error.rate_limited'), {
    retry_after: Math.max(1, Math.ceil(retryAfterMs / 1000)),
  });
}

export class SendLimits {
  constructor(private readonly deps: { limiter: Limiter; clock: Clock; policy: PolicySource }) {}

  /** Counts one send, or throws the 429 when the user has reached the limit. */
  async take(channel: 'sms' | 'email', user: string): Promise<void> {
    const limit = this.deps.policy.current().document.methods[channel].send_limit;
    const outcome = await this.deps.limiter.take(
      `send:${channel}:${user}`,
      limit.count,
      limit.per,
      this.deps.clock.now(),
    );
    if (!outcome.allowed) throw rateLimited(outcome.retryAfterMs);
  }
}
