/**
 * The codes people receive, from the message catalogue in the language of the request that sends
 * it (notices are sent by gateway/notices alone). The code comes first in every message, so it is
 * the first run of digits (SPEC §3: the outbox body carries the code as a run of digits).
 */
import { t } from '../i18n/index.js';
import { durationInWords } from '../i18n/time.js';
import type { EmailMessage } from '../ports.js';

export function smsCodeText(code: string, lifetimeMs: number): string {
  return t('message.sms_code', { code, lifetime: durationInWords(lifetimeMs) });
}

export function emailCodeMessage(to: string, code: string, lifetimeMs: number): EmailMessage {
  return {
    to,
    subject: t('message.email_code.subject'),
    text: t('message.email_code.body', { code, lifetime: durationInWords(lifetimeMs) }),
  };
}
