/**
 * After sign-in: ask the policy what this sign-in needs, and turn the answer into the session
 * stage. `confirm` is satisfied by a trusted or remembered network; `confirm_always` never is.
 */
import type { CompiledPolicy } from '../../../policies/compile.js';
import type { LoginKind, UserType } from '../../../policies/types.js';
import type { Clock, Store } from '../../ports.js';
import type { SignedInUser } from '../../sessions.js';

export interface Identity {
  user: string;
  email?: string | undefined;
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

export async function decideSignIn(
  identity: Identity,
  request: SignInRequest,
  policy: CompiledPolicy,
  deps: { store: Store; clock: Clock },
): Promise<SignedInUser> {
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
  const base: SignedInUser = {
    ...identity,
    entryPoint: request.entryPoint,
    sourceIp: request.sourceIp,
    userAgent: request.userAgent,
    signedInAt: deps.clock.now().getTime(),
    decision,
    stage: 'confirming',
  };
  if (decision.action === 'skip') return { ...base, stage: 'skipped', confirmation: 'skipped' };
  if (decision.action !== 'confirm') return base;
  if (policy.isTrustedNetwork(request.sourceIp)) {
    return { ...base, stage: 'confirmed', confirmation: 'trusted_network' };
  }
  if (await isRememberedNetwork(identity.user, request.sourceIp, policy, deps)) {
    return { ...base, stage: 'confirmed', confirmation: 'remembered_network' };
  }
  return base;
}

async function isRememberedNetwork(
  user: string,
  ip: string,
  policy: CompiledPolicy,
  deps: { store: Store; clock: Clock },
): Promise<boolean> {
  const remembered = await deps.store.findRememberedNetwork(user, policy.networkOf(ip));
  if (!remembered) return false;
  const lifetime = policy.document.identity_confirmation.remember_networks_for;
  if (lifetime === 0) return true;
  return deps.clock.now().getTime() - remembered.lastUsedAt.getTime() < lifetime;
}
