import type { DirectUser, DirectUsers } from '../../ports.js';
import { makeDecoyHash, verifyPassword } from './password.js';

export type DirectAuthenticator = (username: string, password: string) => Promise<DirectUser | undefined>;

/**
 * Checks a password against users.yaml. An unknown user, an inactive user and a wrong password
 * all give `undefined`, and every path runs one scrypt derivation, so neither the answer nor its
 * timing tells whether the account exists.
 */
export async function directAuthenticator(
  users: DirectUsers,
  verify: (password: string, hash: string) => Promise<boolean> = verifyPassword,
): Promise<DirectAuthenticator> {
  const decoy = await makeDecoyHash();
  return async (username, password) => {
    const user = await users.find(username);
    const matches = await verify(password, user?.passwordHash ?? decoy);
    if (!user || !matches || !user.active) return undefined;
    return user;
  };
}
