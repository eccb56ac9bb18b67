/**
 * One-time codes (SPEC §2): digits from a CSPRNG, kept only as a keyed hash bound to the user
 * and purpose, compared in constant time, single use, void after too many wrong attempts.
 */
import { createHmac, hkdfSync, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Clock, CodePurpose, Store } from '../ports.js';
import type { VerifyResult } from './types.js';

/** Keyed hashes of codes. The key is derived from a server secret, so a stolen database alone cannot test guesses. */
export class CodeHasher {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'stepgate', 'code-hash-v1', 32));
  }

  hash(purpose: string, user: string, code: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\0${user}\0${code}`).digest('base64url');
  }

  matches(expected: string, purpose: string, user: string, code: string): boolean {
    const actual = Buffer.from(this.hash(purpose, user, code));
    const wanted = Buffer.from(expected);
    return actual.length === wanted.length && timingSafeEqual(actual, wanted);
  }
}

export function newNumericCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(10));
  return code;
}

/** People paste codes with spaces or dashes; only the digits count. */
export function cleanCode(input: string): string {
  return input.replace(/[\s-]/g, '');
}

export interface IssueOptions {
  user: string;
  purpose: CodePurpose;
  method: 'sms' | 'email';
  destination: string;
  lifetimeMs: number;
  maxAttempts: number;
  length: number;
}

export type CodeCheck = (VerifyResult & { ok: false }) | { ok: true; destination: string };

export class OneTimeCodes {
  constructor(private readonly deps: { store: Store; clock: Clock; hasher: CodeHasher }) {}

  /** A new code supersedes the previous one of the same purpose; the user's failure count is untouched. */
  async issue(options: IssueOptions): Promise<string> {
    const code = newNumericCode(options.length);
    const now = this.deps.clock.now();
    await this.deps.store.saveCode({
      id: randomUUID(),
      user: options.user,
      purpose: options.purpose,
      method: options.method,
      hash: this.deps.hasher.hash(options.purpose, options.user, code),
      destination: options.destination,
      createdAt: now,
      expiresAt: new Date(now.getTime() + options.lifetimeMs),
      attempts: 0,
      maxAttempts: options.maxAttempts,
      consumedAt: null,
    });
    return code;
  }

  /** Checks the newest outstanding code of this purpose and method. */
  async verify(
    user: string,
    purpose: CodePurpose,
    method: 'sms' | 'email',
    input: string,
  ): Promise<CodeCheck> {
    const { store, clock, hasher } = this.deps;
    const now = clock.now();
    const latest = await store.getLatestCode(user, purpose);
    if (!latest || latest.method !== method || latest.expiresAt <= now)
      return { ok: false, reason: 'no_code' };
    if (latest.attempts >= latest.maxAttempts) return { ok: false, reason: 'code_void' };
    const code = cleanCode(input);
    if (/^\d{1,12}$/.test(code) && hasher.matches(latest.hash, purpose, user, code)) {
      // Consuming is atomic: of two concurrent right answers, one wins.
      if (await store.consumeCode(latest.id, now)) return { ok: true, destination: latest.destination };
      return { ok: false, reason: 'no_code' };
    }
    const attempts = await store.addCodeAttempt(latest.id);
    if (attempts >= latest.maxAttempts) return { ok: false, reason: 'code_void' };
    return { ok: false, reason: 'invalid_code', attemptsLeft: latest.maxAttempts - attempts };
  }
}
