/**
 * Temporary verification code from a help desk (SPEC §1.9): usable until it expires (not single
 * use), one active per user, kept only as a keyed hash. Issuing lives with the help-desk tools.
 */
import type { PolicyDocument } from '../../../policies/schema.js';
import type { Clock, Store } from '../../ports.js';
import { cleanCode, newNumericCode, type CodeHasher } from '../codes.js';
import { missingCode, readCode, typedCodeView } from '../code-view.js';
import { t } from '../../i18n/index.js';
import type { ConfirmationMethod, Subject, UserFacts, VerifyResult } from '../types.js';

/** Eight digits: easy to read out over the phone, and 10^8 guesses against a lockout after ten. */
export const TEMPORARY_CODE_LENGTH = 8;
export const TEMPORARY_CODE_PURPOSE = 'temporary';

export function newTemporaryCode(): string {
  return newNumericCode(TEMPORARY_CODE_LENGTH);
}

export class TemporaryCodeFactor implements ConfirmationMethod<string> {
  readonly id = 'temporary_code';
  get label() {
    return t('method.temporary_code');
  }
  /** The help desk's way in when nothing else works: offered first only when it is the last used. */
  readonly strength = 0;
  /** It expires: a user who declines a mobile number needs a way that lasts (SPEC §1.4). */
  readonly lasting = false;
  readonly answeredWithCode = true;
  readonly successTrigger = 'TemporaryCode' as const;
  get missingAnswer() {
    return missingCode();
  }
  readonly view = typedCodeView('method.temporary_code.field');

  constructor(private readonly deps: { store: Store; clock: Clock; hasher: CodeHasher }) {}

  /** Wherever the user has an active one. */
  offered(facts: UserFacts, policy: PolicyDocument): boolean {
    return policy.methods.temporary_code.enabled && facts.hasTemporaryCode;
  }

  describe() {
    return {};
  }

  readAnswer(body: unknown): string | undefined {
    return readCode(body);
  }

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
