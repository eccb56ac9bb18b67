/**
 * Password sign-in: the users file first (direct), then the directory (delegated) for names the
 * file does not hold. A user in the file is never tried against the directory, so one password
 * cannot unlock two accounts of the same name.
 */
import type { DirectUser, DirectUsers, Directory, DirectoryUser } from '../../ports.js';
import { makeDecoyHash, verifyPassword } from './password.js';
import type { Identity } from './decide.js';

export type PasswordAuthenticator = (username: string, password: string) => Promise<Identity | undefined>;

/**
 * Checks a password against users.yaml. An unknown user, an inactive user and a wrong password
 * all give `undefined`, and every path runs one scrypt derivation, so neither the answer nor its
 * timing tells whether the account exists.
 */
export async function directAuthenticator(
  users: DirectUsers,
  verify: (password: string, hash: string) => Promise<boolean> = verifyPassword,
) {
  const decoy = await makeDecoyHash();
  return async (username: string, password: string): Promise<{ known: boolean; user?: DirectUser }> => {
    const user = await users.find(username);
    const matches = await verify(password, user?.passwordHash ?? decoy);
    if (!user) return { known: false };
    if (!matches || !user.active) return { known: true };
    return { known: true, user };
  };
}

/** Both password sources describe a person with the same fields; only the kind of login differs. */
function toIdentity(user: DirectUser | DirectoryUser, login: 'direct' | 'delegated'): Identity {
  return {
    user: user.username,
    email: user.email,
    sourceMobile: user.mobile,
    login,
    userType: user.userType,
    profile: user.profile,
    permissionSets: user.permissionSets,
    groups: user.groups,
  };
}

export async function passwordAuthenticator(
  users: DirectUsers,
  directory: Directory | undefined,
): Promise<PasswordAuthenticator> {
  const direct = await directAuthenticator(users);
  return async (username, password) => {
    const checked = await direct(username, password);
    if (checked.user) return toIdentity(checked.user, 'direct');
    if (checked.known || !directory) return undefined;
    const found = await directory.authenticate(username, password);
    return found ? toIdentity(found, 'delegated') : undefined;
  };
}
