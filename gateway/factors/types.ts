/**
 * The common shape of a confirmation method (SPEC §1.1). Each method is one folder under
 * factors/; adding one (WebAuthn, say) is adding a folder and listing it in factors/index.ts.
 */
export type MethodId = 'sms' | 'email' | 'authenticator' | 'temporary_code';

export const METHOD_IDS: readonly MethodId[] = ['sms', 'email', 'authenticator', 'temporary_code'];

/** What the methods know about the person being challenged. */
export interface Subject {
  user: string;
  email?: string | undefined;
  /** The verified mobile number (E.164), if any. */
  mobile?: string | undefined;
}

export type VerifyFailure =
  /** Wrong code; `attemptsLeft` for codes that can be voided. */
  | { ok: false; reason: 'invalid_code'; attemptsLeft?: number }
  /** The code took its last wrong attempt, or had taken it already: it is void. */
  | { ok: false; reason: 'code_void' }
  /** No code is outstanding (never sent, used, or expired). */
  | { ok: false; reason: 'no_code' };

export type VerifyResult = { ok: true } | VerifyFailure;

/** What every confirmation method offers the flows. */
export interface Factor {
  readonly id: MethodId;
  /** Methods that deliver a code first (SMS, email) have `start`; the others are answered directly. */
  start?(subject: Subject): Promise<{ destination: string }>;
  verify(subject: Subject, code: string): Promise<VerifyResult>;
}
