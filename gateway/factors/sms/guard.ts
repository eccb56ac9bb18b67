/**
 * The SMS-pumping guard (docs/sms-pumping.md). Toll fraud runs up SMS bills by having a form
 * text numbers whose operators share the revenue; the per-user send limit (SPEC §1.5) does not
 * stop one attacker spreading sends over many accounts. So every SMS that carries a code also
 * passes, in this order:
 *
 * 1. the number: premium-rate and unassigned ranges (libphonenumber's full metadata) are never
 *    texted, nor the types the policy lists;
 * 2. the source network's budget (an IPv4 /24, an IPv6 /64: bots rotate addresses within the
 *    blocks they rent, so a single address would be too easy to step around);
 * 3. the destination country's budget;
 * 4. the fleet's budget.
 *
 * Narrow before broad: a send refused by a narrower budget is not counted in the broader ones, so
 * one network or one country being pumped does not spend the budget everyone else relies on.
 * The budgets live in the shared limiter, so they hold across every instance sharing one Redis.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { NumberType } from 'libphonenumber-js/max';
import { networkOf, parseIp } from '../../../policies/ip.js';
import type { PolicySource } from '../../context.js';
import { GatewayError } from '../../errors.js';
import { t } from '../../i18n/index.js';
import type { Clock, Limiter } from '../../ports.js';

/** Why the guard refused an SMS: the `reason` label of `stepgate_sms_refused_total`. */
export const SMS_REFUSAL_REASONS = [
  'network_budget',
  'country_budget',
  'fleet_budget',
  'premium_rate',
  'unassigned_range',
  'refused_number_type',
] as const;
export type SmsRefusalReason = (typeof SMS_REFUSAL_REASONS)[number];

const BUDGET_REASONS: ReadonlySet<SmsRefusalReason> = new Set([
  'network_budget',
  'country_budget',
  'fleet_budget',
]);

/** The prefix lengths a source address is grouped by (see the comment at the top). */
const IPV4_PREFIX = 24;
const IPV6_PREFIX = 64;

/** The region libphonenumber gives numbers of no country (+800, +882, ...): they share one budget. */
const NON_GEOGRAPHIC = '001';

/**
 * An SMS the guard would not send. A spent budget is 429 `sms_unavailable`, a refused number 400
 * `number_not_accepted`; the flows add the methods still offered (challenge.ts smsRefusal). The
 * reason is for the history and /metrics: people are not told which budget was spent, which
 * would tell a pumper where to move on to.
 */
export class SmsRefused extends GatewayError {
  readonly reason: SmsRefusalReason;

  constructor(reason: SmsRefusalReason, retryAfterMs = 0) {
    const budget = BUDGET_REASONS.has(reason);
    super(
      budget ? 429 : 400,
      budget ? 'sms_unavailable' : 'number_not_accepted',
      budget ? t('error.sms_unavailable') : t('error.number_not_accepted'),
      budget ? { retry_after: Math.max(1, Math.ceil(retryAfterMs / 1000)) } : {},
    );
    this.reason = reason;
  }

  get budget(): boolean {
    return BUDGET_REASONS.has(this.reason);
  }
}

export function isSmsRefused(error: unknown): error is SmsRefused {
  return error instanceof SmsRefused;
}

/** Where the guard's refusals are counted (GatewayMetrics). */
export interface SmsRefusalCounter {
  smsRefused(reason: SmsRefusalReason): void;
}

/** What the number check finds: the destination country, or why it is refused. */
export type NumberScreening = { ok: true; country: string } | { ok: false; reason: SmsRefusalReason };

/** The libphonenumber type of a number, as a refusal when the guard never texts that type. */
export function screenNumberType(
  type: NumberType | undefined,
  refused: readonly string[],
): SmsRefusalReason | undefined {
  if (type === undefined) return 'unassigned_range';
  if (type === 'PREMIUM_RATE') return 'premium_rate';
  if (refused.includes(type)) return 'refused_number_type';
  return undefined;
}

export class SmsPumpingGuard {
  constructor(
    private readonly deps: {
      limiter: Limiter;
      clock: Clock;
      policy: PolicySource;
      metrics?: SmsRefusalCounter | undefined;
    },
  ) {}

  private settings() {
    return this.deps.policy.current().document.methods.sms.pumping_guard;
  }

  /** Whether `e164` may be texted at all: a valid number, in a range the guard does not refuse. */
  screen(e164: string): NumberScreening {
    const parsed = parsePhoneNumberFromString(e164);
    if (!parsed?.isValid()) return { ok: false, reason: 'unassigned_range' };
    const reason = screenNumberType(parsed.getType(), this.settings().refused_number_types);
    if (reason) return { ok: false, reason };
    return { ok: true, country: parsed.country ?? NON_GEOGRAPHIC };
  }

  /** The refusal for `reason`, counted in /metrics; the caller throws it. */
  refuse(reason: SmsRefusalReason, retryAfterMs = 0): SmsRefused {
    this.deps.metrics?.smsRefused(reason);
    return new SmsRefused(reason, retryAfterMs);
  }

  /** Throws the refusal when `to` may not be texted; else its destination country. */
  checkNumber(to: string): string {
    const screened = this.screen(to);
    if (!screened.ok) throw this.refuse(screened.reason);
    return screened.country;
  }

  /**
   * Counts one SMS to `country` requested from `sourceIp` in every budget, narrow to broad, or
   * throws the refusal of the first that is spent. An address that cannot be read (none should
   * reach here) shares one budget with every other such address.
   */
  async take(country: string, sourceIp: string | undefined): Promise<void> {
    const guard = this.settings();
    const now = this.deps.clock.now();
    const network =
      sourceIp !== undefined && parseIp(sourceIp) !== undefined
        ? networkOf(sourceIp, IPV4_PREFIX, IPV6_PREFIX)
        : 'unknown';
    const budgets: [SmsRefusalReason, string, { count: number; per: number }][] = [
      ['network_budget', `sms-guard:network:${network}`, guard.per_network],
      [
        'country_budget',
        `sms-guard:country:${country}`,
        guard.country_budgets[country] ?? guard.country_budget,
      ],
      ['fleet_budget', 'sms-guard:fleet', guard.fleet_budget],
    ];
    for (const [reason, key, budget] of budgets) {
      const outcome = await this.deps.limiter.take(key, budget.count, budget.per, now);
      if (!outcome.allowed) throw this.refuse(reason, outcome.retryAfterMs);
    }
  }
}
