/**
 * Who a help-desk action is about: the users file first, then the directory (through its search
 * account). The admin tools need the email (for notices) and the source mobile (for lost phones).
 */
import { canonicalUsername } from '../identity.js';
import type { Directory, DirectUsers, Store } from '../ports.js';

export interface KnownUser {
  username: string;
  source: 'users_file' | 'directory' | 'store';
  active: boolean;
  email?: string | undefined;
  sourceMobile?: string | undefined;
  profile?: string | undefined;
  permissionSets: string[];
  groups: string[];
}

export async function findUser(
  deps: { directUsers: DirectUsers; directory?: Directory | undefined; store: Store },
  username: string,
): Promise<KnownUser | undefined> {
  const direct = await deps.directUsers.find(username);
  if (direct) {
    return {
      username: direct.username,
      source: 'users_file',
      active: direct.active,
      email: direct.email,
      sourceMobile: direct.mobile,
      profile: direct.profile,
      permissionSets: direct.permissionSets,
      groups: direct.groups,
    };
  }
  const entry = await deps.directory?.lookup?.(username);
  if (entry) {
    return {
      username: entry.username,
      source: 'directory',
      active: true,
      email: entry.email,
      sourceMobile: entry.mobile,
      profile: entry.profile,
      permissionSets: entry.permissionSets,
      groups: entry.groups,
    };
  }
  // Federated (SAML) users exist only through what stepgate kept about them, under their canonical name.
  const known = canonicalUsername(username);
  const seen = await deps.store.queryHistory({ user: known, limit: 1 });
  if (seen.length > 0)
    return { username: known, source: 'store', active: true, permissionSets: [], groups: [] };
  return undefined;
}
