/** SMS code to the verified mobile number, within the hard send limit (SPEC §1.1, §1.5). */
import { errors } from '../../errors.js';
import type { PolicySource } from '../../context.js';
import type { SmsSender } from '../../ports.js';
import type { OneTimeCodes } from '../codes.js';
import { maskPhone } from '../mask.js';
import { smsCodeText } from '../messages.js';
import type { SendLimits } from '../send-limits.js';
import type { Factor, Subject } from '../types.js';

export class SmsCodeFactor implements Factor {
  readonly id = 'sms' as const;

  constructor(
    private readonly deps: { codes: OneTimeCodes; sms: SmsSender; policy: PolicySource; limits: SendLimits },
  ) {}

  async start(subject: Subject): Promise<{ destination: string }> {
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
    return { destination: maskPhone(subject.mobile) };
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
