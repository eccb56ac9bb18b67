/** Email code: the default method for everyone without a verified mobile (SPEC §1.1, §1.3). */
import { errors } from '../../errors.js';
import type { PolicySource } from '../../context.js';
import type { EmailSender } from '../../ports.js';
import type { OneTimeCodes } from '../codes.js';
import { maskEmail } from '../mask.js';
import { emailCodeMessage } from '../messages.js';
import type { SendLimits } from '../send-limits.js';
import type { Factor, Subject } from '../types.js';

export class EmailCodeFactor implements Factor {
  readonly id = 'email' as const;

  constructor(
    private readonly deps: {
      codes: OneTimeCodes;
      email: EmailSender;
      policy: PolicySource;
      limits: SendLimits;
    },
  ) {}

  async start(subject: Subject): Promise<{ destination: string }> {
    if (!subject.email)
      throw errors.badRequest('invalid_method', 'There is no email address on your account.');
    await this.deps.limits.take('email', subject.user);
    const settings = this.deps.policy.current().document.identity_confirmation.code;
    const code = await this.deps.codes.issue({
      user: subject.user,
      purpose: 'confirm',
      method: 'email',
      destination: subject.email,
      lifetimeMs: settings.lifetime,
      maxAttempts: settings.max_attempts,
      length: settings.length,
    });
    await this.deps.email.sendEmail(emailCodeMessage(subject.email, code, settings.lifetime));
    return { destination: maskEmail(subject.email) };
  }

  verify(subject: Subject, code: string) {
    return this.deps.codes.verify(subject.user, 'confirm', 'email', code);
  }
}
