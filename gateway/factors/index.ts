/** The confirmation methods, built once from the ports. */
import type { PolicySource } from '../context.js';
import type { Ports } from '../ports.js';
import { AuthenticatorFactor } from './authenticator/totp.js';
import { CodeHasher, OneTimeCodes } from './codes.js';
import { EmailCodeFactor } from './email/index.js';
import { Lockout } from './lockout.js';
import { SendLimits } from './send-limits.js';
import { SmsCodeFactor } from './sms/index.js';
import { TemporaryCodeFactor } from './temporary-code/index.js';
import type { Factor, MethodId } from './types.js';

export interface Factors {
  byId: Readonly<Record<MethodId, Factor>>;
  codes: OneTimeCodes;
  hasher: CodeHasher;
  limits: SendLimits;
  lockout: Lockout;
  authenticator: AuthenticatorFactor;
}

export function buildFactors(ports: Ports, policy: PolicySource, codeSecret: string): Factors {
  const hasher = new CodeHasher(codeSecret);
  const codes = new OneTimeCodes({ store: ports.store, clock: ports.clock, hasher });
  const limits = new SendLimits({ limiter: ports.limiter, clock: ports.clock, policy });
  const lockout = new Lockout({ limiter: ports.limiter, clock: ports.clock, policy });
  const authenticator = new AuthenticatorFactor({ store: ports.store, clock: ports.clock });
  const byId: Record<MethodId, Factor> = {
    sms: new SmsCodeFactor({ codes, sms: ports.sms, policy, limits }),
    email: new EmailCodeFactor({ codes, email: ports.email, policy, limits }),
    authenticator,
    temporary_code: new TemporaryCodeFactor({ store: ports.store, clock: ports.clock, hasher }),
  };
  return { byId, codes, hasher, limits, lockout, authenticator };
}
