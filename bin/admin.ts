/**
 * `stepgate admin ...` (SPEC §1.8, §5): the help-desk operations on the store directly, with no
 * gateway running — the break-glass path when nobody with `manage_identity_confirmation` can sign
 * in. The same AdminService as the API and the pages, acting as `cli:<OS user>`; code hashes are
 * keyed from session.secret exactly as the gateway keys them, so a code issued here works there.
 */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { UsersFile } from '../adapters/users-file/users-file.js';
import { loadConfigWithoutSecret, resolveConfigPath } from '../config/load.js';
import { formatProblems, type ConfigProblem } from '../config/yaml-loader.js';
import { exportHistory, parseHistoryFormat, parseIsoDate } from '../gateway/admin/history-export.js';
import { AdminService, type Actor } from '../gateway/admin/service.js';
import { isGatewayError } from '../gateway/errors.js';
import { CodeHasher } from '../gateway/factors/codes.js';
import { systemClock, type EmailSender, type Logger, type Ports, type Store } from '../gateway/ports.js';
import { t, tn } from '../gateway/i18n/index.js';
import { encryptAtRest, openDirectory, openNotifiers, openStore } from './open.js';
import { loadPolicy } from './policy-file.js';
import { runRotateKey } from './rotate-key.js';

export const ADMIN_USAGE = `usage: stepgate admin <command> [--config FILE]

commands:
  remove-mobile USER                  remove USER's mobile number (lost phone): codes go by email
  temp-code USER --hours N            issue a temporary code valid N whole hours (1 to 24)
  expire-temp-code USER               expire USER's temporary code now
  assign-permission-set USER SET      assign a permission set from the policy
  unassign-permission-set USER SET    take an assigned permission set away
  activations USER [--revoke [NETWORK]]
                                      list remembered networks; --revoke forgets one, or all
  history [--user U] [--since ISO] [--until ISO] [--format json|csv]
                                      the verification history, newest first
  history verify                      check the history's hash chain (STEPGATE_HISTORY_KEY);
                                      names the first entry changed, removed or inserted
  rotate-key                          re-encrypt the store under STEPGATE_NEW_ENCRYPTION_KEY`;

/** A mistake in the command line: exit 2. */
class AdminUsageError extends Error {}
/** Something the operator can fix, said in one line: exit 1. */
class AdminProblem extends Error {}

const COMMANDS: Record<string, { args: string[]; options: string[] }> = {
  'remove-mobile': { args: ['USER'], options: [] },
  'temp-code': { args: ['USER'], options: ['hours'] },
  'expire-temp-code': { args: ['USER'], options: [] },
  'assign-permission-set': { args: ['USER', 'SET'], options: [] },
  'unassign-permission-set': { args: ['USER', 'SET'], options: [] },
  activations: { args: ['USER'], options: ['revoke'] },
  history: { args: [], options: ['user', 'since', 'until', 'format'] },
  'history verify': { args: [], options: [] },
  'rotate-key': { args: [], options: [] },
};

/**
 * The arguments of an `admin` command line (the word itself removed), or undefined for any other
 * command: admin commands take options of their own, which the top-level parser would refuse.
 */
export function adminArguments(argv: string[]): string[] | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--config') i++;
    else if (!arg.startsWith('-'))
      return arg === 'admin' ? [...argv.slice(0, i), ...argv.slice(i + 1)] : undefined;
  }
  return undefined;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      hours: { type: 'string' },
      revoke: { type: 'boolean' },
      user: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      format: { type: 'string' },
    },
  });
}

function cliActor(): Actor {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = process.env.USER ?? process.env.LOGNAME ?? 'unknown';
  }
  return { name: `cli:${name}`, via: 'cli', sourceIp: null };
}

/** Warnings (an undelivered notice) as one readable line each; the CLI's output stays its own. */
const cliLogger: Logger = {
  info: () => undefined,
  warn: (message, fields) =>
    process.stderr.write(`stepgate: warning: ${message} ${JSON.stringify(fields ?? {})}\n`),
  error: (message, fields) =>
    process.stderr.write(`stepgate: error: ${message} ${JSON.stringify(fields ?? {})}\n`),
};

function problems(list: readonly ConfigProblem[], what: string): AdminProblem {
  process.stderr.write(`${formatProblems(list)}\n`);
  return new AdminProblem(tn('cli.admin.problems', list.length, { file: what }));
}

/**
 * The key code hashes are made with. The admin commands sign nobody in, so session.secret may be
 * unset for all but `temp-code`, whose code the gateway must accept: it refuses to run without
 * it. The others never hash a code; should one ever, a random key makes a hash nothing matches.
 */
function codeHasher(secret: string | undefined, command: string, configPath: string): CodeHasher {
  if (secret !== undefined) return new CodeHasher(secret);
  if (command === 'temp-code') {
    throw new AdminProblem(t('cli.admin.temp_code_secret', { file: configPath }));
  }
  return new CodeHasher(randomBytes(32).toString('base64url'));
}

async function openService(
  configPath: string,
  command: string,
): Promise<{ service: AdminService; store: Store }> {
  const loaded = await loadConfigWithoutSecret(configPath);
  if (!loaded.ok) throw problems(loaded.problems, configPath);
  const config = loaded.value;
  const hasher = codeHasher(config.session.secret, command, configPath);
  const policy = await loadPolicy(config.policy_file);
  if (!policy.ok) throw problems(policy.problems, config.policy_file ?? 'the policy');
  const usersPath = config.logins.direct?.users_file;
  const users =
    usersPath === undefined
      ? { ok: true as const, value: UsersFile.fromContent({}) }
      : await UsersFile.load(usersPath);
  if (!users.ok) throw problems(users.problems, usersPath ?? 'the users file');
  let store: Store;
  let directory: Ports['directory'];
  let email: EmailSender;
  try {
    // The serve-time warning about an unencrypted store is for operators starting the gateway.
    store = await encryptAtRest(await openStore(config, cliLogger), config, {
      ...cliLogger,
      warn: () => undefined,
    });
    directory = openDirectory(config, cliLogger);
    ({ email } = await openNotifiers(config, cliLogger));
  } catch (error) {
    throw new AdminProblem((error as Error).message);
  }
  const compiled = policy.value;
  const service = new AdminService({
    ports: {
      store,
      clock: systemClock,
      email,
      directUsers: users.value,
      directory,
      logger: cliLogger,
    },
    policy: { current: () => compiled },
    hasher,
  });
  return { service, store };
}

function table(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

type Values = ReturnType<typeof parse>['values'];
const out = (text: string) => void process.stdout.write(`${text}\n`);

async function run(service: AdminService, command: string, args: string[], values: Values): Promise<void> {
  const actor = cliActor();
  const [user = '', second] = args;
  switch (command) {
    case 'remove-mobile': {
      const { removed } = await service.removeMobile(actor, user);
      return out(removed ? t('cli.admin.mobile_removed', { user }) : t('cli.admin.no_mobile', { user }));
    }
    case 'temp-code': {
      if (values.hours === undefined) throw new AdminUsageError(t('cli.admin.hours_needed'));
      const hours = /^\d{1,3}$/.test(values.hours) ? Number(values.hours) : values.hours;
      const issued = await service.issueTemporaryCode(actor, user, hours);
      return out(`${issued.code}\n${t('cli.admin.expires_at', { time: issued.expires_at })}`);
    }
    case 'expire-temp-code': {
      const { expired } = await service.expireTemporaryCode(actor, user);
      return out(t(expired ? 'cli.admin.code_expired' : 'cli.admin.no_code', { user }));
    }
    case 'assign-permission-set': {
      const { assigned } = await service.assignPermissionSet(actor, user, second ?? '');
      return out(t('cli.admin.holds', { user, sets: assigned.join(', ') }));
    }
    case 'unassign-permission-set': {
      const { removed } = await service.unassignPermissionSet(actor, user, second ?? '');
      return out(t(removed ? 'cli.admin.unassigned' : 'cli.admin.not_assigned', { user, set: second ?? '' }));
    }
    case 'activations':
      return activations(service, actor, user, second, values.revoke === true);
    case 'history':
      return history(service, values);
    case 'history verify':
      return verifyHistory(service);
  }
}

async function activations(
  service: AdminService,
  actor: Actor,
  user: string,
  network: string | undefined,
  revoke: boolean,
) {
  if (revoke) {
    const { revoked } = await service.revokeActivations(actor, user, network);
    return out(
      network === undefined
        ? tn('cli.admin.revoked_all', revoked, { user })
        : t('cli.admin.revoked_one', { network, user }),
    );
  }
  const networks = await service.activations(user);
  if (networks.length === 0) return out(t('cli.admin.no_networks', { user }));
  out(
    table([
      ['NETWORK', 'FIRST USED', 'LAST USED', 'METHOD'],
      ...networks.map((n) => [n.network, n.firstUsedAt.toISOString(), n.lastUsedAt.toISOString(), n.method]),
    ]),
  );
}

async function history(service: AdminService, values: Values): Promise<void> {
  const query = {
    user: values.user === undefined ? undefined : await service.canonicalName(values.user),
    since: parseIsoDate('--since', values.since),
    until: parseIsoDate('--until', values.until),
  };
  await exportHistory(service, query, parseHistoryFormat(values.format, 'csv'), (text) => {
    process.stdout.write(text);
  });
}

/** OK with the count on standard output, or the first break as the one-line failure (exit 1). */
async function verifyHistory(service: AdminService): Promise<void> {
  const { broken, checked, firstSeq, lastSeq, beforeChain, anchor } = await service.verifyHistory();
  if (broken) throw new AdminProblem(t('cli.history.broken', { reason: broken.message }));
  const span =
    firstSeq === null ? '' : ` ${t('cli.history.span', { first: firstSeq, last: lastSeq ?? firstSeq })}`;
  out(`${tn('cli.history.ok', checked)}${span}`);
  if (beforeChain > 0) out(t('cli.history.before_chain', { count: beforeChain }));
  if (anchor.seq > 0) out(t('cli.history.resumes', { seq: anchor.seq, hash: anchor.hash ?? 'none' }));
}

/** `history verify` is a command of its own; every other command is one word. */
function commandOf(positionals: string[]): [string | undefined, string[]] {
  const [first, ...rest] = positionals;
  return first === 'history' && rest[0] === 'verify' ? ['history verify', rest.slice(1)] : [first, rest];
}

function checkShape(command: string, positionals: string[], values: Values): void {
  const shape = COMMANDS[command];
  if (!shape) throw new AdminUsageError(t('cli.admin.unknown_command', { command }));
  const given = Object.keys(values).filter((name) => name !== 'config' && name !== 'help');
  const stray = given.find((name) => !shape.options.includes(name));
  if (stray) throw new AdminUsageError(t('cli.admin.stray_option', { command, option: stray }));
  const extra = command === 'activations' && values.revoke ? 1 : 0;
  if (positionals.length < shape.args.length) {
    throw new AdminUsageError(t('cli.admin.needs', { command, args: shape.args.join(' ') }));
  }
  if (positionals.length > shape.args.length + extra) {
    const stray = positionals[shape.args.length + extra] ?? '';
    const hinted = command === 'activations' && !values.revoke;
    throw new AdminUsageError(
      t(hinted ? 'cli.admin.unexpected_revoke' : 'cli.admin.unexpected', { argument: stray }),
    );
  }
}

/** Runs `stepgate admin ...`; returns the exit code. Failures are one line on stderr. */
export async function adminCommand(args: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(args);
    const [command, rest] = commandOf(positionals);
    if (values.help || command === undefined) {
      process.stdout.write(`${ADMIN_USAGE}\n`);
      return command === undefined && !values.help ? 2 : 0;
    }
    checkShape(command, rest, values);
    const configPath = resolveConfigPath(values.config, process.env);
    if (command === 'rotate-key') return await runRotateKey(configPath);
    const { service, store } = await openService(configPath, command);
    try {
      await run(service, command, rest, values);
    } finally {
      await store.close();
    }
    return 0;
  } catch (error) {
    const usage =
      error instanceof AdminUsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (!usage && !(error instanceof AdminProblem) && !isGatewayError(error)) throw error;
    process.stderr.write(`stepgate: ${(error as Error).message}\n`);
    return usage ? 2 : 1;
  }
}
