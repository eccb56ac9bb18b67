/**
 * After sign-in: ask the policy what this sign-in needs and turn the answer into the session's
 * first stage. `confirm` is satisfied by a trusted or remembered network; `confirm_always` never
 * is. A user who must confirm and has no verified mobile is asked for one first (SPEC §1.4).
 */
import type { CompiledPolicy } from '../../../policies/compile.js';
import type { LoginKind, UserType } from '../../../policies/types.js';
import { canonicalUsername } from '../../identity.js';
import type { Clock, Store } from '../../ports.js';
import type { SignedInUser } from '../../sessions.js';
import { verifiedMobile } from '../confirm/methods.js';

export interface Identity {
  user: string;
  email?: string | undefined;
  sourceMobile?: string | undefined;
  login: LoginKind;
  userType: UserType;
  profile?: string | undefined;
  permissionSets: string[];
  groups: string[];
}

export interface SignInRequest {
  sourceIp: string;
  entryPoint: string;
  userAgent: string | null;
}

interface Deps {
  store: Store;
  clock: Clock;
}

export async function decideSignIn(
  signedIn: Identity,
  request: SignInRequest,
  policy: CompiledPolicy,
  deps: Deps,
): Promise<SignedInUser> {
  // Every login kind (users file, directory, SAML NameID, the IdP sidecar's name) keys on one
  // spelling of the user, so `MZhang` and `mzhang` share limits, lockouts, networks and history.
  const identity = { ...signedIn, user: canonicalUsername(signedIn.user) };
  const assigned = await deps.store.listPermissionSetAssignments(identity.user);
  const entitlements = policy.entitlements({
    profile: identity.profile,
    permissionSets: [...identity.permissionSets, ...assigned.map((a) => a.permissionSet)],
    groups: identity.groups,
  });
  const decision = policy.evaluate({
    entryPoint: request.entryPoint,
    login: identity.login,
    userType: identity.userType,
    profile: entitlements.profile,
    permissionSets: entitlements.permissionSets,
    groups: identity.groups,
    sourceIp: request.sourceIp,
  });
  const auth: SignedInUser = {
    ...identity,
    entryPoint: request.entryPoint,
    sourceIp: request.sourceIp,
    userAgent: request.userAgent,
    signedInAt: deps.clock.now().getTime(),
    decision,
    stage: 'confirming',
    challengeDue: true,
    trigger: decision.action === 'confirm_always' ? 'Always' : 'NewNetwork',
  };
  if (decision.action === 'skip')
    return { ...auth, stage: 'skipped', challengeDue: false, confirmation: 'skipped' };
  if (decision.action === 'deny') return auth; // never stored: the sign-in is refused
  const passed =
    decision.action === 'confirm'
      ? await networkPass(identity.user, request.sourceIp, decision.methods, policy, deps)
      : undefined;
  const withChallenge = passed ? { ...auth, challengeDue: false, confirmation: passed } : auth;
  if (await mobilePromptDue(withChallenge, policy, deps))
    return { ...withChallenge, stage: 'registering_mobile' };
  return passed ? { ...withChallenge, stage: 'confirmed' } : withChallenge;
}

/**
 * A trusted network, or one this user confirmed before (within remember_networks_for), needs no
 * challenge; under a rule that names its methods, only a network one of them confirmed.
 */
async function networkPass(
  user: string,
  ip: string,
  methods: readonly string[] | undefined,
  policy: CompiledPolicy,
  deps: Deps,
) {
  if (policy.isTrustedNetwork(ip)) return 'trusted_network';
  const remembered = await deps.store.findRememberedNetwork(user, policy.networkOf(ip));
  if (!remembered || (methods && !methods.includes(remembered.method))) return undefined;
  const lifetime = policy.document.identity_confirmation.remember_networks_for;
  const fresh = lifetime === 0 || deps.clock.now().getTime() - remembered.lastUsedAt.getTime() < lifetime;
  return fresh ? 'remembered_network' : undefined;
}

/**
 * SPEC §1.4: prompt when SMS is usable (by the policy and the rule), the user has no verified
 * mobile, and has not declined recently.
 */
export async function mobilePromptDue(
  auth: SignedInUser,
  policy: CompiledPolicy,
  deps: Deps,
): Promise<boolean> {
  const { mobile_registration: registration, methods } = policy.document;
  if (!registration.prompt || !methods.sms.enabled) return false;
  // A rule that names its methods without SMS has no use for a mobile number.
  if (auth.decision.methods && !auth.decision.methods.includes('sms')) return false;
  if (await verifiedMobile(deps.store, auth.user, auth.sourceMobile)) return false;
  const declined = await deps.store.getRegistrationDecline(auth.user);
  if (!declined) return true;
  if (registration.reprompt_after === null) return false;
  return deps.clock.now().getTime() - declined.getTime() >= registration.reprompt_after;
}
