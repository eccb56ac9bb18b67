/**
 * Which methods a challenge offers (SPEC §1.3 and §1.10). Each method states its own rule
 * (factors/<method>/: `offered`); what is decided here is what they all see:
 * - the mobile number a challenge may use: none when SMS is off, or when it was registered in
 *   this very sign-in (so the SMS and email rules read "no verified mobile");
 * - the methods the policy rule allows (`methods:`), and those the client can present.
 * Worked out afresh at every challenge, so a new assignment or a removed phone applies at once.
 */
import type { CompiledPolicy } from '../../../policies/compile.js';
import type { Clock, Store } from '../../ports.js';
import type { SignedInUser } from '../../sessions.js';
import type { MethodRegistry } from '../../factors/index.js';
import type { ConfirmationMethod, UserFacts } from '../../factors/types.js';

export type { UserFacts } from '../../factors/types.js';

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
  deps: { store: Store; clock: Clock; methods: MethodRegistry },
): Promise<UserFacts> {
  const { store, clock } = deps;
  const [mobile, credentials, temporary, assigned] = await Promise.all([
    verifiedMobile(store, auth.user, auth.sourceMobile),
    deps.methods.credentialsOf(auth.user),
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
    sourceIp: auth.sourceIp,
    credentials,
    hasTemporaryCode: temporary !== undefined,
    permissions,
  };
}

export interface OfferOptions {
  /**
   * A number registered during this very sign-in, before it was confirmed, cannot confirm it —
   * or a stolen password alone would be enough.
   */
  mobileProvedThisSignIn?: boolean | undefined;
  /** The methods the policy rule allows (`then: confirm` with `methods:`); any when absent. */
  allowed?: readonly string[] | undefined;
  /** The methods the client can present (an IdP's authenticator); any when absent. */
  presentable?: readonly string[] | undefined;
}

/** The facts every method's rule reads: no usable mobile when SMS is off or the number is this sign-in's. */
export function challengeFacts(facts: UserFacts, policy: CompiledPolicy, options: OfferOptions): UserFacts {
  const usable = !options.mobileProvedThisSignIn && policy.document.methods.sms.enabled;
  return usable ? facts : { ...facts, mobile: undefined };
}

export function offeredMethods(
  methods: MethodRegistry,
  facts: UserFacts,
  policy: CompiledPolicy,
  options: OfferOptions = {},
): ConfirmationMethod[] {
  const seen = challengeFacts(facts, policy, options);
  return methods.all.filter(
    (method) =>
      (options.allowed === undefined || options.allowed.includes(method.id)) &&
      (options.presentable === undefined || options.presentable.includes(method.id)) &&
      method.offered(seen, policy.document),
  );
}
