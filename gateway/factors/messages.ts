/**
 * What people receive. The code comes first in every message, so it is the first run of digits
 * (SPEC §3: the outbox body carries the code as a run of digits).
 */
import { formatDuration } from '../../config/duration.js';
import type { EmailMessage } from '../ports.js';

function inWords(ms: number): string {
  const text = formatDuration(ms);
  const units: Record<string, string> = { s: 'seconds', m: 'minutes', h: 'hours', d: 'days' };
  const match = /^(\d+)([smhd])$/.exec(text);
  if (!match) return text;
  const [, amount, unit] = match;
  const word = units[unit ?? ''] ?? '';
  return `${amount} ${amount === '1' ? word.slice(0, -1) : word}`;
}

export function smsCodeText(code: string, lifetimeMs: number): string {
  return `${code} is your verification code. It expires in ${inWords(lifetimeMs)}. Never share it.`;
}

export function emailCodeMessage(to: string, code: string, lifetimeMs: number): EmailMessage {
  return {
    to,
    subject: 'Your verification code',
    text:
      `${code} is your verification code.\n\n` +
      `Enter it on the sign-in page to confirm it is you. It expires in ${inWords(lifetimeMs)} and works once.\n\n` +
      'If you did not just try to sign in, someone may know your password: change it and tell your help desk.\n',
  };
}

export function newMobileNotice(to: string, maskedPhone: string): EmailMessage {
  return {
    to,
    subject: 'A new mobile number was registered',
    text:
      `The mobile number ${maskedPhone} was just registered for your account. Verification codes will be sent to it.\n\n` +
      'If this was not you, tell your help desk at once: they can remove the number.\n',
  };
}

export function temporaryCodeNotice(to: string, expiresAt: Date): EmailMessage {
  return {
    to,
    subject: 'A temporary verification code was issued for you',
    text:
      `Your help desk issued a temporary verification code for your account. It works until ${expiresAt.toISOString()}.\n\n` +
      'If you did not ask for one, tell your help desk at once: they can expire it, and so can you in your sign-in settings.\n',
  };
}
