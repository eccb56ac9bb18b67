/**
 * Which methods a challenge offers (SPEC §1.3 and §1.10):
 * - a verified mobile means SMS, and no email unless the user holds `email_identity_confirmation`;
 * - no verified mobile means email;
 * - the authenticator and a temporary code wherever the user has them.
 * Worked out afresh at every challenge, so a new assignment or a removed phone applies at once.
 */
import type { CompiledPolicy } from '../../../policies/compile.js';
import type { Clock, Store } from '../../ports.js';
import type { SignedInUser } from '../../sessions.js';
import type { MethodId, Subject } from '../../factors/types.js';

export const EMAIL_PERMISSION = 'email_identity_confirmation';

export interface UserFacts extends Subject {
  hasAuthenticator: boolean;
  hasTemporaryCode: boolean;
  permissions: ReadonlySet<string>;
}

/**
 * The verified mobile: one proved by SMS here, else the number from the users file or directory,
 * unless a help desk removed exactly that number (the removal holds until the source changes).
 */
export async function verifiedMobile(store: Store, user: string, sourceMobile: string | undefined) {
  const record = await store.getMobile(user);
  if (record?.phone && record.verifiedAt) return record.phone;
  if (!sourceMobile) return undefined;
  if (record && record.phone === null && record.removedSourcePhone === sourceMobile) return undefined;
  return sourceMobile;
}

/** A number proved by an SMS code becomes the user's verified mobile (replacing any earlier one). */
export async function saveVerifiedMobile(store: Store, user: string, phone: string, at: Date): Promise<void> {
  await store.saveMobile({
    user,
    phone,
    verifiedAt: at,
    source: 'self',
    removedSourcePhone: null,
    updatedAt: at,
  });
}

export async function userFacts(
  auth: SignedInUser,
  policy: CompiledPolicy,
  deps: { store: Store; clock: Clock },
): Promise<UserFacts> {
  const { store, clock } = deps;
  const [mobile, authenticator, temporary, assigned] = await Promise.all([
    verifiedMobile(store, auth.user, auth.sourceMobile),
    store.getAuthenticator(auth.user),
    store.getActiveTemporaryCode(auth.user, clock.now()),
    store.listPermissionSetAssignments(auth.user),
  ]);
  const { permissions } = policy.entitlements({
    profile: auth.profile,
    permissionSets: [...auth.permissionSets, ...assigned.map((a) => a.permissionSet)],
    groups: auth.groups,
  });
  return {
    user: auth.user,
    email: auth.email,
    mobile,
    hasAuthenticator: authenticator !== undefined,
    hasTemporaryCode: temporary !== undefined,
    permissions,
  };
}

/**
 * `mobileProvedThisSignIn`: a number registered during this very sign-in, before it was
 * confirmed, cannot confirm it — or a stolen password alone would be enough.
 */
export function offeredMethods(
  facts: UserFacts,
  policy: CompiledPolicy,
  options: { mobileProvedThisSignIn?: boolean } = {},
): MethodId[] {
  const methods = policy.document.methods;
  // With SMS switched off a mobile number cannot be used, so the user is treated as having none.
  const mobile = options.mobileProvedThisSignIn || !methods.sms.enabled ? undefined : facts.mobile;
  const offered: MethodId[] = [];
  if (methods.sms.enabled && mobile) offered.push('sms');
  if (methods.email.enabled && facts.email && (!mobile || facts.permissions.has(EMAIL_PERMISSION)))
    offered.push('email');
  if (methods.authenticator.enabled && facts.hasAuthenticator) offered.push('authenticator');
  if (methods.temporary_code.enabled && facts.hasTemporaryCode) offered.push('temporary_code');
  return offered;
}
