/**
 * The confirmation methods, built once from the ports, and the registry the flows find them in.
 * The order here is the order a challenge lists them in.
 */
import type { PolicySource } from '../context.js';
import type { Ports } from '../ports.js';
import { AuthenticatorFactor } from './authenticator/index.js';
import { CodeHasher, OneTimeCodes } from './codes.js';
import { EmailCodeFactor } from './email/index.js';
import { Lockout } from './lockout.js';
import { SendLimits } from './send-limits.js';
import { SmsCodeFactor } from './sms/index.js';
import { SmsPumpingGuard, type SmsRefusalCounter } from './sms/guard.js';
import { TemporaryCodeFactor } from './temporary-code/index.js';
import { WebauthnFactor, type RelyingParty } from './webauthn/index.js';
import type { ConfirmationMethod, CredentialSummary, MethodCredentials, MethodId } from './types.js';

export { credentialJson } from './credentials.js';

/** A method and its credentials, for the flows that manage credentials. */
export type CredentialMethod = ConfirmationMethod & { credentials: MethodCredentials };

export class MethodRegistry {
  private readonly byId: ReadonlyMap<MethodId, ConfirmationMethod>;

  constructor(readonly all: readonly ConfirmationMethod[]) {
    this.byId = new Map(all.map((method) => [method.id, method]));
  }

  /** The method a request names, if there is one by that id (`requested` is whatever was sent). */
  get(requested: unknown): ConfirmationMethod | undefined {
    return typeof requested === 'string' ? this.byId.get(requested) : undefined;
  }

  ids(): MethodId[] {
    return this.all.map((method) => method.id);
  }

  /** The method by that id if it keeps credentials. */
  withCredentialsById(requested: unknown): CredentialMethod | undefined {
    return this.withCredentials().find((method) => method.id === requested);
  }

  /** The methods that keep credentials (an authenticator app, passkeys). */
  withCredentials(): CredentialMethod[] {
    return this.all.filter((method): method is CredentialMethod => method.credentials !== undefined);
  }

  /** Every credential the user holds, method by method in registry order. */
  async credentialsOf(user: string): Promise<CredentialSummary[]> {
    const lists = await Promise.all(this.withCredentials().map((method) => method.credentials.list(user)));
    return lists.flat();
  }
}

export interface Factors {
  methods: MethodRegistry;
  codes: OneTimeCodes;
  hasher: CodeHasher;
  limits: SendLimits;
  smsGuard: SmsPumpingGuard;
  lockout: Lockout;
}

/**
 * `codeSecret` keys the hashes of codes (and WebAuthn's user handles); `relyingParty` is what
 * passkeys are bound to (stepgate.yaml `webauthn:`, config/schema/webauthn.ts relyingParty).
 */
export function buildFactors(
  ports: Ports,
  policy: PolicySource,
  codeSecret: string,
  relyingParty: RelyingParty,
  metrics?: SmsRefusalCounter,
): Factors {
  const hasher = new CodeHasher(codeSecret);
  const codes = new OneTimeCodes({ store: ports.store, clock: ports.clock, hasher });
  const limits = new SendLimits({ limiter: ports.limiter, clock: ports.clock, policy });
  const lockout = new Lockout({ limiter: ports.limiter, clock: ports.clock, policy });
  const smsGuard = new SmsPumpingGuard({ limiter: ports.limiter, clock: ports.clock, policy, metrics });
  const methods = new MethodRegistry([
    new SmsCodeFactor({ codes, sms: ports.sms, policy, limits, guard: smsGuard }),
    new EmailCodeFactor({ codes, email: ports.email, policy, limits }),
    new AuthenticatorFactor({ store: ports.store, clock: ports.clock }),
    new WebauthnFactor({ ...ports, policy, hasher, relyingParty }),
    new TemporaryCodeFactor({ store: ports.store, clock: ports.clock, hasher }),
  ]);
  return { methods, codes, hasher, limits, smsGuard, lockout };
}
