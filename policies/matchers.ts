/**
 * A rule's `when` compiled into one check per matcher, built once per policy: names are
 * folded to lower case into sets and networks into a NetworkSet, so evaluating a sign-in
 * is a few set lookups whatever the size of the lists.
 */
import { NetworkSet } from './cidr.js';
import type { RuleConditions } from './schema.js';
import type { SignInContext } from './types.js';

export type Check = (context: SignInContext) => boolean;

const always: Check = () => true;

/** All matchers present must hold; a rule without conditions matches every sign-in. */
export function compileConditions(when: RuleConditions | undefined): Check {
  if (when === undefined) return always;
  const checks = compileMatchers(when);
  if (checks.length === 0) return always;
  return (context) => checks.every((check) => check(context));
}

function compileMatchers(when: RuleConditions): Check[] {
  const checks: Check[] = [];
  if (when.entry_point) checks.push(oneValue(when.entry_point, (context) => context.entryPoint));
  if (when.login) checks.push(oneValue(when.login, (context) => context.login));
  if (when.user_type) checks.push(oneValue(when.user_type, (context) => context.userType));
  if (when.profile) checks.push(oneValue(when.profile, (context) => context.profile));
  if (when.permission_set) checks.push(anyValue(when.permission_set, (context) => context.permissionSets));
  if (when.group) checks.push(anyValue(when.group, (context) => context.groups));
  if (when.network) checks.push(inNetworks(when.network));
  return checks;
}

/** Names are compared ignoring letter case, as directories compare group names and DNs. */
export function foldCase(value: string): string {
  return value.toLowerCase();
}

export function foldedSet(values: readonly string[]): ReadonlySet<string> {
  return new Set(values.map(foldCase));
}

function oneValue(wanted: readonly string[], read: (context: SignInContext) => string): Check {
  const set = foldedSet(wanted);
  return (context) => set.has(foldCase(read(context)));
}

function anyValue(wanted: readonly string[], read: (context: SignInContext) => readonly string[]): Check {
  const set = foldedSet(wanted);
  return (context) => read(context).some((value) => set.has(foldCase(value)));
}

function inNetworks(cidrs: readonly string[]): Check {
  const networks = new NetworkSet(cidrs);
  return (context) => networks.has(context.sourceIp);
}
