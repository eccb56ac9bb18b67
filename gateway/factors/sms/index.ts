/** SMS code to the verified mobile number, within the hard send limit (SPEC §1.1, §1.3, §1.5). */
import { errors } from '../../errors.js';
import type { PolicySource } from '../../context.js';
import type { SmsSender } from '../../ports.js';
import type { OneTimeCodes } from '../codes.js';
import { MISSING_CODE, readCode, sentCodeView } from '../code-view.js';
import { maskPhone } from '../mask.js';
import { smsCodeText } from '../messages.js';
import type { SendLimits } from '../send-limits.js';
import type { ConfirmationMethod, Started, Subject, UserFacts } from '../types.js';
import type { PolicyDocument } from '../../../policies/schema.js';

export class SmsCodeFactor implements ConfirmationMethod<string> {
  readonly id = 'sms';
  readonly label = 'Text message';
  readonly lasting = true;
  readonly answeredWithCode = true;
  readonly missingAnswer = MISSING_CODE;
  readonly view = sentCodeView(this.id, { send: 'Text a code to', field: 'Code from the text message' });

  constructor(
    private readonly deps: { codes: OneTimeCodes; sms: SmsSender; policy: PolicySource; limits: SendLimits },
  ) {}

  /** A verified mobile means SMS (the facts hold no mobile when SMS is off or the number is this sign-in's). */
  offered(facts: UserFacts, policy: PolicyDocument): boolean {
    return policy.methods.sms.enabled && facts.mobile !== undefined;
  }

  describe(facts: UserFacts) {
    return facts.mobile ? { destination: maskPhone(facts.mobile) } : {};
  }

  async start(subject: Subject): Promise<Started> {
    if (!subject.mobile)
      throw errors.badRequest('invalid_method', 'There is no verified mobile number on your account.');
    const settings = this.deps.policy.current().document.identity_confirmation.code;
    await sendSmsCode(this.deps, {
      user: subject.user,
      to: subject.mobile,
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

/** Every SMS with a code goes through here, so sign-in challenges and mobile registration share one limit. */
export async function sendSmsCode(
  deps: { codes: OneTimeCodes; sms: SmsSender; limits: SendLimits },
  options: {
    user: string;
    to: string;
    purpose: 'confirm' | 'mobile';
    lifetimeMs: number;
    maxAttempts: number;
    length: number;
  },
): Promise<void> {
  await deps.limits.take('sms', options.user);
  const code = await deps.codes.issue({ ...options, method: 'sms', destination: options.to });
  await deps.sms.sendSms({ to: options.to, body: smsCodeText(code, options.lifetimeMs) });
}
