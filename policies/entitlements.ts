/**
 * Working out which profile and permission sets a user holds, from what the users file,
 * the directory and admin assignments say. Names and groups compare ignoring letter case;
 * names the policy does not define are ignored rather than failing the sign-in.
 */
import { foldCase, foldedSet } from './matchers.js';
import { STANDARD_PROFILE, type PolicyDocument } from './schema.js';
import type { EntitlementSources, Entitlements } from './types.js';

type Grants = PolicyDocument['profiles'];

interface Grant {
  readonly name: string;
  readonly permissions: readonly string[];
  readonly groups: ReadonlySet<string>;
}

/** One kind of grant (profiles or permission sets), indexed for lookups by name and by group. */
class GrantIndex {
  readonly #byName = new Map<string, Grant>();
  readonly #inOrder: Grant[] = [];

  constructor(grants: Grants) {
    for (const [name, { permissions, groups }] of Object.entries(grants)) {
      const grant = { name, permissions, groups: foldedSet(groups) };
      this.#byName.set(foldCase(name), grant);
      this.#inOrder.push(grant);
    }
  }

  named(name: string): Grant | undefined {
    return this.#byName.get(foldCase(name));
  }

  /** Grants reaching a member of any of these (already folded) groups, in the file's order. */
  forGroups(groups: ReadonlySet<string>): Grant[] {
    if (groups.size === 0) return [];
    return this.#inOrder.filter((grant) => [...grant.groups].some((group) => groups.has(group)));
  }
}

export type ResolveEntitlements = (sources: EntitlementSources) => Entitlements;

export function compileEntitlements(document: PolicyDocument): ResolveEntitlements {
  const profiles = new GrantIndex(document.profiles);
  const permissionSets = new GrantIndex(document.permission_sets);
  const standard = profiles.named(STANDARD_PROFILE);

  return (sources) => {
    const groups = foldedSet(sources.groups);
    // A named profile wins; then the first profile reaching one of the user's groups; then the fallback.
    const profile =
      (sources.profile === undefined ? undefined : profiles.named(sources.profile)) ??
      profiles.forGroups(groups)[0] ??
      standard;
    const sets = unique([
      ...sources.permissionSets.map((name) => permissionSets.named(name)),
      ...permissionSets.forGroups(groups),
    ]);
    const permissions = new Set([profile, ...sets].flatMap((grant) => grant?.permissions ?? []));
    return {
      profile: profile?.name ?? STANDARD_PROFILE,
      permissionSets: sets.map((set) => set.name),
      permissions,
    };
  };
}

function unique(grants: readonly (Grant | undefined)[]): Grant[] {
  return [...new Set(grants.filter((grant) => grant !== undefined))];
}
