/**
 * The directory's search account, tried for real: by `stepgate check --connect`, and by
 * `stepgate serve` at start. A refused bind (a wrong bind_dn or bind_password) is a configuration
 * error and stops start-up with one line naming the bind DN and the directory's answer; a
 * directory that cannot be reached (down, a TLS problem) is logged, and the gateway starts not
 * ready (/readyz) so it serves as soon as the directory answers.
 */
import {
  SearchAccountRefusedError,
  type LdapConfig,
  type LdapDirectory,
} from '../adapters/ldap/directory.js';
import type { Logger } from '../gateway/ports.js';
import { StartupError } from './open.js';

const SECTION = 'logins.delegated.ldap';

/** `check --connect`: the line to print when the bind works; throws StartupError (one line) when not. */
export async function connectDirectory(ldap: LdapConfig, directory: LdapDirectory): Promise<string> {
  try {
    await directory.verify();
  } catch (error) {
    throw new StartupError(`${SECTION}: ${(error as Error).message}`);
  }
  const who = ldap.bind_dn === undefined ? 'anonymously' : `as '${ldap.bind_dn}'`;
  return `${SECTION}: bound to ${ldap.url} ${who}`;
}

/** `serve`: stops on a refused search account, starts not ready when the directory cannot be reached. */
export async function verifyDirectoryAtStart(directory: LdapDirectory, logger: Logger): Promise<void> {
  try {
    await directory.verify();
  } catch (error) {
    if (error instanceof SearchAccountRefusedError) throw new StartupError(`${SECTION}: ${error.message}`);
    logger.warn('directory not reachable at start; starting anyway, not ready until it answers', {
      error: (error as Error).message,
    });
  }
}
