/**
 * Authenticator app (SPEC §1.1, §2): offered wherever the user has set one up in their settings,
 * answered with the app's current code, accepted once. One app per user: setting up a new one
 * replaces the old. The TOTP arithmetic is in totp.ts.
 */
import { Secret } from 'otpauth';
import type { PolicyDocument } from '../../../policies/schema.js';
import type { Clock, Store } from '../../ports.js';
import { MISSING_CODE, readCode, typedCodeView } from '../code-view.js';
import type {
  ConfirmationMethod,
  CredentialSummary,
  Enrolment,
  MethodCredentials,
  Subject,
  UserFacts,
  VerifyResult,
} from '../types.js';
import { authenticatorSection, enrolPage } from './pages.js';
import { MIN_SECRET_BYTES, matchingStep, newAuthenticatorSecret, otpauthUri, qrCodeSvg } from './totp.js';

export const AUTHENTICATOR = 'authenticator';

interface Deps {
  store: Store;
  clock: Clock;
}

export class AuthenticatorFactor implements ConfirmationMethod<string> {
  readonly id = AUTHENTICATOR;
  readonly label = 'Authenticator app';
  readonly lasting = true;
  readonly answeredWithCode = true;
  readonly missingAnswer = MISSING_CODE;
  readonly view = typedCodeView('Code from your authenticator app');
  readonly credentials: AuthenticatorCredentials;

  constructor(private readonly deps: Deps) {
    this.credentials = new AuthenticatorCredentials(deps);
  }

  offered(facts: UserFacts, policy: PolicyDocument): boolean {
    return policy.methods.authenticator.enabled && facts.credentials.some((c) => c.method === this.id);
  }

  describe() {
    return {};
  }

  readAnswer(body: unknown): string | undefined {
    return readCode(body);
  }

  /** No enrolled authenticator is `no_code`; a wrong, expired or already used code is `invalid_code`. */
  async verify(subject: Subject, code: string): Promise<VerifyResult> {
    const { store, clock } = this.deps;
    const record = await store.getAuthenticator(subject.user);
    if (!record) return { ok: false, reason: 'no_code' };
    const step = matchingStep(record.secret, code, clock.now());
    if (step === undefined) return { ok: false, reason: 'invalid_code' };
    // The store records the step atomically, so of two requests racing with one code only one wins,
    // and a code from an older step than one already used is refused.
    if (!(await store.useAuthenticatorStep(subject.user, step))) return { ok: false, reason: 'invalid_code' };
    return { ok: true };
  }

  enroll(user: string, secret: string, code: string): Promise<boolean> {
    return this.credentials.enroll(user, secret, code);
  }
}

/** Setting the app up from the settings page: a secret shown as a QR code, proved by a code. */
export class AuthenticatorCredentials implements MethodCredentials<string> {
  readonly refusedProof = 'That code is not right. Check the time on your phone and try again.';
  readonly view = { section: authenticatorSection, enrolPage };

  constructor(private readonly deps: Deps) {}

  async list(user: string): Promise<CredentialSummary[]> {
    const record = await this.deps.store.getAuthenticator(user);
    if (!record) return [];
    return [
      { id: AUTHENTICATOR, method: AUTHENTICATOR, name: null, createdAt: record.createdAt, lastUsedAt: null },
    ];
  }

  enrollable(policy: PolicyDocument): boolean {
    return policy.methods.authenticator.enabled;
  }

  /** A new secret (or the one being set up), shown as a QR code; kept with the session until proved. */
  async begin(subject: Subject, policy: PolicyDocument, previous?: string): Promise<Enrolment> {
    const secret = previous ?? newAuthenticatorSecret();
    const uri = otpauthUri({ secret, issuer: policy.methods.authenticator.issuer, account: subject.user });
    return { state: secret, shown: { secret, otpauth_uri: uri, qr_svg: await qrCodeSvg(uri) } };
  }

  readProof(body: unknown): string | undefined {
    return readCode(body);
  }

  async finish(subject: Subject, secret: string, code: string): Promise<CredentialSummary | undefined> {
    if (!(await this.enroll(subject.user, secret, code))) return undefined;
    return (await this.list(subject.user))[0];
  }

  /**
   * Saves `secret` for `user` only when `code` proves the app holds it, replacing any earlier
   * authenticator. The step of that code is recorded, so it cannot also answer a challenge.
   */
  async enroll(user: string, secret: string, code: string): Promise<boolean> {
    if (Secret.fromBase32(secret).bytes.length < MIN_SECRET_BYTES) {
      throw new Error(`authenticator: a secret must hold at least ${MIN_SECRET_BYTES} bytes`);
    }
    const now = this.deps.clock.now();
    const step = matchingStep(secret, code, now);
    if (step === undefined) return false;
    await this.deps.store.saveAuthenticator({ user, secret, createdAt: now, lastUsedStep: step });
    return true;
  }

  /** One app per user: removing "it" needs no id. */
  async remove(user: string): Promise<number> {
    return (await this.deps.store.removeAuthenticator(user)) ? 1 : 0;
  }
}
