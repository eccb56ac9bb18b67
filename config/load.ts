/**
 * Loads stepgate.yaml. Relative paths inside it (logins.direct.users_file, store.path,
 * notifications.outbox_path, policy_file, a logins.saml.idp_cert file) are relative to the
 * directory stepgate is started from, not to the config file, as in Authelia and oauth2-proxy:
 * a service manager sets the working directory, and the same file works from the repository root.
 */
import { formatDuration } from './duration.js';
import type { z } from 'zod';
import { namedFileProblems } from './named-files.js';
import { relyingPartyProblems } from './schema/webauthn.js';
import { configSchema, sessionSchema } from './schema.js';
import { COOKIE_DOMAIN, COOKIE_PREFIX, secureCookies } from './schema/session.js';
import type { Config } from './schema.js';
import { loadYamlFile } from './yaml-loader.js';
import type { LoadResult } from './yaml-loader.js';

export const DEFAULT_CONFIG_PATH = './stepgate.yaml';

/** `--config FILE`, else `$STEPGATE_CONFIG`, else `./stepgate.yaml` (SPEC §5). */
export function resolveConfigPath(argvValue?: string, env: NodeJS.ProcessEnv = process.env): string {
  return argvValue || env.STEPGATE_CONFIG || DEFAULT_CONFIG_PATH;
}

interface CrossProblem {
  path: PropertyKey[];
  message: string;
}

function hasScheme(url: string, schemes: readonly string[]): boolean {
  return URL.canParse(url) && schemes.includes(new URL(url).protocol);
}

/** Rules that span several keys, which the per-key schema cannot state. */
/** What the cross-key rules read: any stepgate.yaml, with or without session.secret. */
type CrossChecked = Omit<Config, 'session'> & { session: Omit<Config['session'], 'secret'> };

export function crossCheck(config: CrossChecked): CrossProblem[] {
  const problems: CrossProblem[] = [];
  const { logins, session, store, server } = config;

  if (!logins.direct && !logins.delegated && !logins.saml && !logins.oidc) {
    problems.push({
      path: ['logins'],
      message: 'must configure at least one of direct, delegated, saml or oidc, or nobody can sign in',
    });
  }
  // session.redis_url and session.redis are checked with the session (config/schema/session.ts).
  if (store.type === 'postgres' && !hasScheme(store.url, ['postgres:', 'postgresql:'])) {
    problems.push({
      path: ['store', 'url'],
      message: `must be a postgres:// URL when store.type is postgres but it is '${store.url}'`,
    });
  }
  if (session.idle_timeout > session.absolute_timeout) {
    problems.push({
      path: ['session', 'idle_timeout'],
      message:
        `must not be longer than session.absolute_timeout (${formatDuration(session.absolute_timeout)})` +
        ` but it is '${formatDuration(session.idle_timeout)}'`,
    });
  }

  // A host in two entry points would make the policy's entry_point depend on lookup order.
  const owner = new Map<string, string>();
  for (const [name, entryPoint] of Object.entries(server.entry_points)) {
    entryPoint.hosts.forEach((host, index) => {
      const previous = owner.get(host.toLowerCase());
      if (previous === undefined) owner.set(host.toLowerCase(), name);
      else {
        problems.push({
          path: ['server', 'entry_points', name, 'hosts', index],
          message: `'${host}' already belongs to entry point '${previous}'`,
        });
      }
    });
  }
  // A browser drops a cookie whose Domain is neither the host that set it nor a domain above it.
  const domain = session.cookie_domain.toLowerCase();
  const host = new URL(server.public_url).hostname;
  if (domain !== '' && COOKIE_DOMAIN.test(domain) && host !== domain && !host.endsWith(`.${domain}`)) {
    problems.push({
      path: ['session', 'cookie_domain'],
      message: `must be server.public_url's host (${host}) or a domain above it, or browsers drop the cookie, but it is '${session.cookie_domain}'`,
    });
  }
  problems.push(...cookiePrefixProblems(session, server.public_url));
  // A passkey answers only on its relying party's domain (config/schema/webauthn.ts).
  for (const problem of relyingPartyProblems(config.webauthn, server.public_url)) {
    problems.push({ path: ['webauthn', ...problem.path], message: problem.message });
  }
  return problems;
}

/** Whether the session cookie can be Secure: https, outside localhost (where it is never Secure). */
function httpsOutsideLocalhost(publicUrl: string): boolean {
  return hasScheme(publicUrl, ['https:']) && secureCookies(publicUrl);
}

/**
 * A browser drops a `__Secure-` cookie that is not Secure, and a `__Host-` cookie that is not
 * Secure, has a Domain or a Path other than '/' (RFC 6265bis §4.1.3, prefixes in any letter case):
 * stepgate would be signing nobody in.
 */
function cookiePrefixProblems(
  session: { cookie_name: string; cookie_domain: string },
  publicUrl: string,
): CrossProblem[] {
  const prefix = COOKIE_PREFIX.exec(session.cookie_name)?.[0];
  if (prefix === undefined) return [];
  const problems: CrossProblem[] = [];
  const path = ['session', 'cookie_name'];
  if (!httpsOutsideLocalhost(publicUrl)) {
    problems.push({
      path,
      message: `must not start with '${prefix}' unless server.public_url is https on a host other than localhost (browsers accept such a cookie only when Secure), but public_url is '${publicUrl}'`,
    });
  }
  if (prefix.toLowerCase() === '__host-' && session.cookie_domain !== '') {
    problems.push({
      path,
      message: `must not start with '${prefix}' when session.cookie_domain is set (browsers refuse a __Host- cookie with a Domain), but cookie_domain is '${session.cookie_domain}'`,
    });
  }
  return problems;
}

/** configSchema plus the cross-key rules; they run once every key on its own is valid. */
export const checkedConfigSchema = configSchema.superRefine((config, ctx) => {
  for (const problem of crossCheck(config)) ctx.addIssue({ code: 'custom', ...problem });
});

export interface LoadConfigOptions {
  /**
   * Also report each file the config names for stepgate to read (policy_file, users_file, CA and
   * certificate files) that cannot be read, at the key that names it, even when other keys have
   * problems: what `check`, `serve` and the admin commands do. Off for a config that is only
   * looked at here (an example for another machine).
   */
  files?: boolean;
}

export async function loadConfig(
  file: string,
  env?: NodeJS.ProcessEnv,
  options: LoadConfigOptions = {},
): Promise<LoadResult<Config>> {
  return loadYamlFile(file, checkedConfigSchema, {
    env,
    ...(options.files && { checkDocument: namedFileProblems }),
  });
}

/**
 * stepgate.yaml as the admin commands read it: they sign nobody in, so `session.secret` may be
 * left unset (its `${STEPGATE_SESSION_SECRET}` unresolved) and only `admin temp-code`, which keys
 * the code's hash from it as the gateway does, needs it.
 */
export type ConfigWithoutSecret = Omit<Config, 'session'> & {
  session: Omit<Config['session'], 'secret'> & { secret?: string };
};

// safeExtend keeps the section's own checks (zod refuses .extend and .partial on refined objects)
// but types only overrides that narrow a key; the secret made optional widens it, hence the cast.
const optionalSecret = sessionSchema.shape.secret.optional() as unknown as typeof sessionSchema.shape.secret;
const configWithoutSecretSchema = configSchema
  .safeExtend({ session: sessionSchema.safeExtend({ secret: optionalSecret }) })
  .superRefine((config, ctx) => {
    for (const problem of crossCheck(config)) ctx.addIssue({ code: 'custom', ...problem });
  }) as unknown as z.ZodType<ConfigWithoutSecret>;

export async function loadConfigWithoutSecret(
  file: string,
  env?: NodeJS.ProcessEnv,
): Promise<LoadResult<ConfigWithoutSecret>> {
  return loadYamlFile(file, configWithoutSecretSchema, {
    env,
    unused: ['session.secret'],
    checkDocument: namedFileProblems,
  });
}
