/**
 * Password guessing: failed sign-ins (direct and LDAP) are counted per username and per source
 * network in the limiter (Redis in a fleet, so the counts hold across instances), and past
 * either policy limit (`sign_in_throttle`) a sign-in is refused with 429 before its password is
 * checked. The answer is the same whether the password was right, the name exists, or which of
 * the two limits was passed: the throttle tells a guesser nothing.
 *
 * An attempt counts as a failure from the moment it arrives and is taken back only once its
 * password proves right: concurrent guesses (several instances, many connections) cannot all be
 * checked before any of them is counted. Refused attempts count too, so a guesser who keeps
 * trying keeps the throttle shut instead of getting a fresh allowance each window.
 */
import { formatDuration } from '../../../config/duration.js';
import { networkOf, parseIp } from '../../../policies/ip.js';
import type { PolicySource } from '../../context.js';
import { GatewayError } from '../../errors.js';
import { t } from '../../i18n/index.js';
import type { Clock, Limiter, Store } from '../../ports.js';

export const THROTTLED_CODE = 'sign_in_throttled';
export function throttled(): GatewayError {
  return new GatewayError(429, THROTTLED_CODE, t('error.sign_in_throttled'));
}

/** Characters a directory's string matching ignores (RFC 4518 "map to nothing"), and controls. */
const IGNORED = /[\p{Default_Ignorable_Code_Point}\p{Cc}]/gu;

/**
 * The same person however they type their name: compatibility forms (NFKC), letter case (folded
 * through upper case, so 'ß' and 'SS' meet), invisible characters, and runs of spaces are all
 * what an LDAP directory's case-insensitive match ignores. At least as coarse as any sign-in
 * source's own matching, so no spelling of a name gets an allowance of its own.
 */
export function throttleName(username: string): string {
  return username
    .normalize('NFKC')
    .replace(IGNORED, '')
    .toUpperCase()
    .toLowerCase()
    .normalize('NFKC')
    .replace(/\s+/gu, ' ')
    .trim();
}

/**
 * The source network: an IPv4 address alone (one address is often a whole office behind NAT, and
 * a /24 would lump unrelated customers of one provider together), an IPv6 /64 (what one
 * subscriber gets and can rotate through at will).
 */
export function throttleNetwork(ip: string): string {
  return parseIp(ip) === undefined ? 'unknown' : networkOf(ip, 32, 64);
}

export interface SignInAttempt {
  username: string;
  ip: string;
  entryPoint: string;
  userAgent: string | null;
}

interface Deps {
  limiter: Limiter;
  clock: Clock;
  policy: PolicySource;
  store: Pick<Store, 'appendHistory'>;
}

export class SignInThrottle {
  constructor(private readonly deps: Deps) {}

  /**
   * Runs `check` (the password check) unless the attempt is throttled, which throws the 429.
   * `check` answers undefined for a failed sign-in. A limiter that cannot answer throws too: the
   * sign-in fails closed (503), never unthrottled.
   */
  async guard<T>(attempt: SignInAttempt, check: () => Promise<T | undefined>): Promise<T | undefined> {
    const { limiter, clock } = this.deps;
    const limits = this.deps.policy.current().document.sign_in_throttle;
    const now = clock.now();
    const name = throttleName(attempt.username);
    const network = throttleNetwork(attempt.ip);
    const userKey = `signin:user:${name}`;
    const networkKey = `signin:network:${network}`;
    const [byUser = 0, byNetwork = 0] = await this.recordAll(
      [
        [userKey, limits.per_user.per],
        [networkKey, limits.per_network.per],
      ],
      now,
    );
    if (byUser > limits.per_user.count || byNetwork > limits.per_network.count) {
      // Written when a limit is first passed, not for every refusal: a guesser cannot fill the history.
      if (byUser === limits.per_user.count + 1 || byNetwork === limits.per_network.count + 1) {
        const which =
          byUser > limits.per_user.count
            ? `more than ${limits.per_user.count} for this username within ${formatDuration(limits.per_user.per)}`
            : `more than ${limits.per_network.count} from ${network} within ${formatDuration(limits.per_network.per)}`;
        await this.record(name, attempt, `sign-in throttled: failed passwords, ${which}`);
      }
      throw throttled();
    }
    let result: T | undefined;
    try {
      result = await check();
    } catch (error) {
      // Undecided (the directory did not answer): not a failure of the person's.
      await Promise.allSettled([limiter.forgetFailure(userKey, now), limiter.forgetFailure(networkKey, now)]);
      throw error;
    }
    if (result !== undefined) {
      // A right password ends the name's run of failures; the network keeps the others' failures,
      // or one account's password would reset the count for guesses at every other.
      await Promise.all([limiter.clearFailures(userKey), limiter.forgetFailure(networkKey, now)]);
    }
    return result;
  }

  /** Every failure, or none: one recorded while another could not be is taken back. */
  private async recordAll(keys: [key: string, per: number][], now: Date): Promise<number[]> {
    const { limiter } = this.deps;
    const results = await Promise.allSettled(keys.map(([key, per]) => limiter.recordFailure(key, per, now)));
    const failed = results.find((result) => result.status === 'rejected');
    if (!failed) return results.map((result) => (result.status === 'fulfilled' ? result.value : 0));
    const recorded = keys.filter((_, i) => results[i]?.status === 'fulfilled');
    await Promise.allSettled(recorded.map(([key]) => limiter.forgetFailure(key, now)));
    throw failed.reason;
  }

  private record(user: string, attempt: SignInAttempt, detail: string): Promise<void> {
    return this.deps.store.appendHistory({
      time: this.deps.clock.now(),
      user,
      method: 'password',
      status: 'RateLimited',
      triggeredBy: null,
      sourceIp: attempt.ip,
      login: null,
      entryPoint: attempt.entryPoint,
      userAgent: attempt.userAgent,
      detail,
    });
  }
}
