/** Email code: the default method for everyone without a verified mobile (SPEC §1.1, §1.3). */
import type { PolicyDocument } from '../../../policies/schema.js';
import { errors } from '../../errors.js';
import type { PolicySource } from '../../context.js';
import type { EmailSender } from '../../ports.js';
import type { OneTimeCodes } from '../codes.js';
import { missingCode, readCode, sentCodeView } from '../code-view.js';
import { t } from '../../i18n/index.js';
import { maskEmail } from '../mask.js';
import { emailCodeMessage } from '../messages.js';
import type { SendLimits } from '../send-limits.js';
import type { ConfirmationMethod, Started, Subject, UserFacts } from '../types.js';

/** The permission that keeps email on offer for a user with a verified mobile (SPEC §1.3). */
export const EMAIL_PERMISSION = 'email_identity_confirmation';

export class EmailCodeFactor implements ConfirmationMethod<string> {
  readonly id = 'email';
  get label() {
    return t('method.email');
  }
  /** A mailbox is reached with the same password often enough: the weakest lasting method. */
  readonly strength = 10;
  readonly lasting = true;
  readonly answeredWithCode = true;
  get missingAnswer() {
    return missingCode();
  }
  readonly view = sentCodeView(this.id, { send: 'method.email.send', field: 'method.email.field' });

  constructor(
    private readonly deps: {
      codes: OneTimeCodes;
      email: EmailSender;
      policy: PolicySource;
      limits: SendLimits;
    },
  ) {}

  /**
   * No verified mobile means email; a verified mobile means no email unless the user holds
   * `email_identity_confirmation`. Users cannot change this themselves, only policy does.
   */
  offered(facts: UserFacts, policy: PolicyDocument): boolean {
    return (
      policy.methods.email.enabled &&
      facts.email !== undefined &&
      (!facts.mobile || facts.permissions.has(EMAIL_PERMISSION))
    );
  }

  describe(facts: UserFacts) {
    return facts.email ? { destination: maskEmail(facts.email) } : {};
  }

  async start(subject: Subject): Promise<Started> {
    if (!subject.email) throw errors.badRequest('invalid_method', t('error.no_email'));
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
    return { shown: { destination: maskEmail(subject.email) } };
  }

  readAnswer(body: unknown): string | undefined {
    return readCode(body);
  }

  verify(subject: Subject, code: string) {
    return this.deps.codes.verify(subject.user, 'confirm', 'email', code);
  }
}
