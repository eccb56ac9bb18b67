/** SMS code to the verified mobile number, within the hard send limit (SPEC §1.1, §1.3, §1.5). */
import { errors } from '../../errors.js';
import type { PolicySource } from '../../context.js';
import type { SmsSender } from '../../ports.js';
import type { OneTimeCodes } from '../codes.js';
import { missingCode, readCode, sentCodeView } from '../code-view.js';
import { t } from '../../i18n/index.js';
import { maskPhone } from '../mask.js';
import { smsCodeText } from '../messages.js';
import type { SendLimits } from '../send-limits.js';
import type { SmsPumpingGuard } from './guard.js';
import type { ConfirmationMethod, Started, Subject, UserFacts } from '../types.js';
import type { PolicyDocument } from '../../../policies/schema.js';

export class SmsCodeFactor implements ConfirmationMethod<string> {
  readonly id = 'sms';
  get label() {
    return t('method.sms');
  }
  /** Codes to a phone the person holds: stronger than email, weaker than an app or a key. */
  readonly strength = 20;
  readonly lasting = true;
  readonly answeredWithCode = true;
  get missingAnswer() {
    return missingCode();
  }
  readonly view = sentCodeView(this.id, { send: 'method.sms.send', field: 'method.sms.field' });

  constructor(
    private readonly deps: {
      codes: OneTimeCodes;
      sms: SmsSender;
      policy: PolicySource;
      limits: SendLimits;
      guard: SmsPumpingGuard;
    },
  ) {}

  /** A verified mobile means SMS (the facts hold no mobile when SMS is off or the number is this sign-in's). */
  offered(facts: UserFacts, policy: PolicyDocument): boolean {
    return policy.methods.sms.enabled && facts.mobile !== undefined;
  }

  describe(facts: UserFacts) {
    return facts.mobile ? { destination: maskPhone(facts.mobile) } : {};
  }

  async start(subject: Subject): Promise<Started> {
    if (!subject.mobile) throw errors.badRequest('invalid_method', t('error.no_mobile'));
    const settings = this.deps.policy.current().document.identity_confirmation.code;
    await sendSmsCode(this.deps, {
      user: subject.user,
      to: subject.mobile,
      sourceIp: subject.sourceIp,
      purpose: 'confirm',
      lifetimeMs: settings.lifetime,
      maxAttempts: settings.max_attempts,
      length: settings.length,
    });
    return { shown: { destination: maskPhone(subject.mobile) } };
  }

  readAnswer(body: unknown): string | undefined {
    return readCode(body);
  }

  verify(subject: Subject, code: string) {
    return this.deps.codes.verify(subject.user, 'confirm', 'sms', code);
  }
}

/**
 * Every SMS with a code goes through here, so sign-in challenges and mobile registration share
 * one limit and one pumping guard: the number is screened first (nothing is counted for a number
 * that is never texted), then the user's limit with the SPEC's message, then the guard's budgets.
 */
export async function sendSmsCode(
  deps: { codes: OneTimeCodes; sms: SmsSender; limits: SendLimits; guard: SmsPumpingGuard },
  options: {
    user: string;
    to: string;
    /** Where the request for it came from: the guard budgets sends per source network. */
    sourceIp: string | undefined;
    purpose: 'confirm' | 'mobile';
    lifetimeMs: number;
    maxAttempts: number;
    length: number;
  },
): Promise<void> {
  const country = deps.guard.checkNumber(options.to);
  await deps.limits.take('sms', options.user);
  await deps.guard.take(country, options.sourceIp);
  const { sourceIp: _from, ...issued } = options;
  const code = await deps.codes.issue({ ...issued, method: 'sms', destination: options.to });
  await deps.sms.sendSms({ to: options.to, body: smsCodeText(code, options.lifetimeMs) });
}
