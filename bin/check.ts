/**
 * `stepgate check`: validates stepgate.yaml, then the policy and users files it names, and prints
 * every problem at once with file, line and key path. Warnings (a valid setting that is probably
 * a mistake) are printed too but do not fail the check. With --connect, a valid config's
 * directory is then tried for real: its search account bound (bin/check-directory.ts); and its
 * OpenID Connect provider's discovery document read (bin/oidc.ts). A GeoIP database is opened as
 * `serve` opens it, so a file that is no MaxMind database fails the check.
 */
import type { LdapDirectory } from '../adapters/ldap/directory.js';
import { UsersFile } from '../adapters/users-file/users-file.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { COOKIE_PREFIX, secureCookies } from '../config/schema/session.js';
import { formatProblems, type ConfigProblem } from '../config/yaml-loader.js';
import { t, tn } from '../gateway/i18n/index.js';
import { connectDirectory } from './check-directory.js';
import { connectOidc } from './oidc.js';
import { policyWarningsOf } from './check-policy.js';
import { silentLogger } from './logger.js';
import { openDirectory, openPlaces } from './open.js';
import { loadPolicy } from './policy-file.js';

export interface CheckOptions {
  /** Also bind the directory's search account (`--connect`). */
  connect?: boolean;
}

export async function checkCommand(configPath: string, options: CheckOptions = {}): Promise<number> {
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const loaded = await loadConfig(configPath, undefined, { files: true });
  let directory: LdapDirectory | undefined;
  if (!loaded.ok) problems.push(...loaded.problems);
  else {
    const policy = await loadPolicy(loaded.value.policy_file);
    if (!policy.ok) problems.push(...policy.problems);
    else warnings.push(...(await policyWarningsOf(loaded.value.policy_file, policy.value.document)));
    warnings.push(...sessionCookieWarnings(configPath, loaded.value));
    const usersPath = loaded.value.logins.direct?.users_file;
    if (usersPath !== undefined) {
      const users = await UsersFile.load(usersPath);
      if (!users.ok) problems.push(...users.problems);
    }
    directory = buildDirectory(loaded.value, configPath, problems);
    await checkPlaces(loaded.value, configPath, problems);
  }
  if (warnings.length > 0) process.stderr.write(`${formatProblems(warnings)}\n`);
  if (problems.length > 0) {
    process.stderr.write(`${formatProblems(problems)}\n`);
    process.stderr.write(`stepgate: ${tn('cli.check.problems', problems.length)}\n`);
    return 1;
  }
  const valid =
    warnings.length === 0
      ? t('cli.check.valid', { file: configPath })
      : tn('cli.check.valid_warnings', warnings.length, { file: configPath });
  process.stdout.write(`${valid}\n`);
  if (options.connect && loaded.ok) process.stdout.write(`${await connect(loaded.value, directory)}\n`);
  return 0;
}

/** The directory adapter checks what it can without the network (the filter, the CA file). */
function buildDirectory(config: Config, file: string, problems: ConfigProblem[]): LdapDirectory | undefined {
  try {
    return openDirectory(config, silentLogger);
  } catch (error) {
    problems.push({ file, path: '', message: (error as Error).message });
    return undefined;
  }
}

/** The GeoIP database is read as serve reads it: a file that is there but no database fails the check. */
async function checkPlaces(config: Config, file: string, problems: ConfigProblem[]): Promise<void> {
  try {
    await openPlaces(config);
  } catch (error) {
    problems.push({ file, path: '', message: (error as Error).message });
  }
}

/** Each outside system the config signs people in with, tried: the directory, the OpenID Connect provider. */
async function connect(config: Config, directory: LdapDirectory | undefined): Promise<string> {
  const ldap = config.logins.delegated?.ldap;
  const lines: string[] = [];
  if (ldap && directory) lines.push(await connectDirectory(ldap, directory));
  const oidc = await connectOidc(config);
  if (oidc !== undefined) lines.push(oidc);
  if (lines.length === 0) return 'logins.delegated.ldap, logins.oidc: not configured, nothing to connect to';
  return lines.join('\n');
}

/**
 * An https gateway without a cookie_domain can name its session cookie `__Host-...`: a browser then
 * takes that cookie from this very host only, so no sibling host (evil.example.com beside
 * sso.example.com) can toss in a session of its own (gateway/http/cookie-names.ts).
 */
function sessionCookieWarnings(file: string, config: Config): ConfigProblem[] {
  const { cookie_name: name, cookie_domain: domain } = config.session;
  const https =
    new URL(config.server.public_url).protocol === 'https:' && secureCookies(config.server.public_url);
  if (!https || domain !== '' || name.toLowerCase().startsWith('__host-')) return [];
  return [
    {
      file,
      path: 'session.cookie_name',
      message:
        `warning: '${name}' could be '__Host-${name.replace(COOKIE_PREFIX, '')}': browsers accept a __Host- cookie ` +
        'from this host alone, so no other host of the same domain can set or shadow the session cookie',
    },
  ];
}
