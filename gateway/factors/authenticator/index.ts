/**
 * Authenticator app (SPEC §1.1, §2): offered wherever the user has set one up in their settings,
 * answered with the app's current code, accepted once. One app per user: setting up a new one
 * replaces the old. Its credential holds the base32 secret as `data` and the last time step
 * accepted as `counter`; the TOTP arithmetic is in totp.ts.
 */
import { randomUUID } from 'node:crypto';
import { Secret } from 'otpauth';
import type { PolicyDocument } from '../../../policies/schema.js';
import type { Clock, CredentialRecord, Store } from '../../ports.js';
import { missingCode, readCode, typedCodeView } from '../code-view.js';
import { t } from '../../i18n/index.js';
import { credentialSummary } from '../credentials.js';
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

/**
 * The credential of an app holding `secret`, the step of its last accepted code recorded, and the
 * name its owner gave the device it is on ("Work phone"), if any.
 */
export function authenticatorCredential(options: {
  user: string;
  secret: string;
  createdAt: Date;
  lastUsedStep: number | null;
  name?: string | null;
}): CredentialRecord {
  return {
    id: randomUUID(),
    user: options.user,
    type: AUTHENTICATOR,
    name: options.name ?? null,
    data: options.secret,
    createdAt: options.createdAt,
    lastUsedAt: null,
    counter: options.lastUsedStep,
  };
}

interface Deps {
  store: Store;
  clock: Clock;
}

/** The app that answers: the newest, should a user hold two (two spellings of a name merged). */
async function currentApp(store: Store, user: string): Promise<CredentialRecord | undefined> {
  return (await store.listCredentials(user, AUTHENTICATOR)).at(-1);
}

export class AuthenticatorFactor implements ConfirmationMethod<string> {
  readonly id = AUTHENTICATOR;
  get label() {
    return t('method.authenticator');
  }
  /** A secret on the person's own device, nothing sent: above codes by SMS or email. */
  readonly strength = 30;
  readonly lasting = true;
  readonly answeredWithCode = true;
  get missingAnswer() {
    return missingCode();
  }
  readonly view = typedCodeView('method.authenticator.field');
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
    const app = await currentApp(store, subject.user);
    if (!app) return { ok: false, reason: 'no_code' };
    const now = clock.now();
    const step = matchingStep(app.data, code, now);
    if (step === undefined) return { ok: false, reason: 'invalid_code' };
    // The store moves the counter atomically, so of two requests racing with one code only one
    // wins, and a code from an older step than one already used is refused.
    if (!(await store.useCredential(subject.user, app.id, { at: now, counter: step })))
      return { ok: false, reason: 'invalid_code' };
    return { ok: true };
  }

  enroll(user: string, secret: string, code: string, device?: string | null): Promise<boolean> {
    return this.credentials.enroll(user, secret, code, device);
  }
}

/** The proof that sets an app up: a code it shows, and the name of the device it is on. */
export interface AppProof {
  code: string;
  device: string | null;
}

const MAX_DEVICE_NAME = 64;

/** Setting the app up from the settings page: a secret shown as a QR code, proved by a code. */
export class AuthenticatorCredentials implements MethodCredentials<AppProof> {
  get refusedProof() {
    return t('authenticator.refused');
  }
  readonly view = { section: authenticatorSection, enrolPage };

  constructor(private readonly deps: Deps) {}

  async list(user: string): Promise<CredentialSummary[]> {
    const app = await currentApp(this.deps.store, user);
    return app ? [credentialSummary(app)] : [];
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

  /** The code, and the device's name (`device`: trimmed, at most 64 characters, none when blank). */
  readProof(body: unknown): AppProof | undefined {
    const code = readCode(body);
    if (code === undefined) return undefined;
    const typed = (body as Record<string, unknown>).device;
    const device = typeof typed === 'string' ? typed.trim().slice(0, MAX_DEVICE_NAME) : '';
    return { code, device: device === '' ? null : device };
  }

  async finish(subject: Subject, secret: string, proof: AppProof): Promise<CredentialSummary | undefined> {
    if (!(await this.enroll(subject.user, secret, proof.code, proof.device))) return undefined;
    return (await this.list(subject.user))[0];
  }

  /**
   * Saves `secret` for `user` only when `code` proves the app holds it, replacing any earlier
   * authenticator. The step of that code is recorded, so it cannot also answer a challenge.
   */
  async enroll(user: string, secret: string, code: string, device: string | null = null): Promise<boolean> {
    if (Secret.fromBase32(secret).bytes.length < MIN_SECRET_BYTES) {
      throw new Error(`authenticator: a secret must hold at least ${MIN_SECRET_BYTES} bytes`);
    }
    const { store, clock } = this.deps;
    const now = clock.now();
    const step = matchingStep(secret, code, now);
    if (step === undefined) return false;
    const earlier = await store.listCredentials(user, AUTHENTICATOR);
    await store.saveCredential(
      authenticatorCredential({ user, secret, createdAt: now, lastUsedStep: step, name: device }),
    );
    for (const old of earlier) await store.removeCredential(user, old.id);
    return true;
  }

  /** One app per user: removing it needs no id (with one, only that credential goes). */
  async remove(user: string, id?: string): Promise<number> {
    const apps = await this.deps.store.listCredentials(user, AUTHENTICATOR);
    let removed = 0;
    for (const app of apps.filter((candidate) => id === undefined || candidate.id === id)) {
      if (await this.deps.store.removeCredential(user, app.id)) removed += 1;
    }
    return removed;
  }
}
