/**
 * Temporary verification code from a help desk (SPEC §1.9): usable until it expires (not single
 * use), one active per user, kept only as a keyed hash. Issuing lives with the help-desk tools.
 */
import type { Clock, Store } from '../../ports.js';
import { cleanCode, newNumericCode, type CodeHasher } from '../codes.js';
import type { Factor, Subject, VerifyResult } from '../types.js';

/** Eight digits: easy to read out over the phone, and 10^8 guesses against a lockout after ten. */
export const TEMPORARY_CODE_LENGTH = 8;
export const TEMPORARY_CODE_PURPOSE = 'temporary';

export function newTemporaryCode(): string {
  return newNumericCode(TEMPORARY_CODE_LENGTH);
}

export class TemporaryCodeFactor implements Factor {
  readonly id = 'temporary_code' as const;

  constructor(private readonly deps: { store: Store; clock: Clock; hasher: CodeHasher }) {}

  async verify(subject: Subject, input: string): Promise<VerifyResult> {
    const active = await this.deps.store.getActiveTemporaryCode(subject.user, this.deps.clock.now());
    if (!active) return { ok: false, reason: 'no_code' };
    const code = cleanCode(input);
    const matches =
      /^\d{1,12}$/.test(code) &&
      this.deps.hasher.matches(active.hash, TEMPORARY_CODE_PURPOSE, subject.user, code);
    return matches ? { ok: true } : { ok: false, reason: 'invalid_code' };
  }
}
