/**
 * stepgate as a library: `createStepgate` builds the same gateway `stepgate serve` runs, from a
 * config object or a stepgate.yaml path, through the same validation and the same composition
 * (bin/compose.ts). What a program or a test wants to give in code (accounts, a policy, senders,
 * a clock) replaces what the config would name; everything else comes from the config.
 */
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { compose, type LivePolicy } from '../bin/compose.js';
import { listen as listenOn, splitListen, type Listening } from '../bin/listen.js';
import { jsonLogger } from '../bin/logger.js';
import { StartupError } from '../bin/open.js';
import { UsersFile, usersFileSchema } from '../adapters/users-file/users-file.js';
import { checkValue } from '../config/check-value.js';
import { crossCheck, loadConfig } from '../config/load.js';
import { configSchema, type Config, type ConfigInput } from '../config/schema.js';
import { formatPath, formatProblems, type ConfigProblem } from '../config/yaml-loader.js';
import type { Clock, EmailSender, Logger, Ports, SmsSender } from '../gateway/ports.js';
import { compilePolicy } from '../policies/compile.js';
import { policySchema, type PolicyInput } from '../policies/schema.js';

export { StartupError };

/** users.yaml's content as an object: per username `password_hash`, `email`, `mobile`, ... */
export type UsersInput = z.input<typeof usersFileSchema>;

export interface StepgateOptions {
  /** Accounts that sign in directly, as users.yaml holds them, in place of `logins.direct.users_file`. */
  users?: UsersInput;
  /** policy.yaml's content as an object, in place of `policy_file`. */
  policy?: PolicyInput;
  /**
   * The time every part of the gateway reads: code lifetimes, send limits, lockouts, remembered
   * networks, TOTP steps, temporary codes, the session's absolute timeout, the history.
   */
  clock?: Clock;
  /** Senders in place of `notifications.sms` / `notifications.email` (the test outbox, for one). */
  sms?: SmsSender;
  email?: EmailSender;
  /** Where the gateway logs; by default JSON lines on standard error, as `stepgate serve` writes. */
  logger?: Logger;
  /** Where `${VAR}` references in a config file are looked up; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

export interface StepgateListening {
  server: Server;
  port: number;
  /** `http://host:port`, for a browser or an HTTP client. */
  url: string;
}

export interface Stepgate {
  /** The request listener: `supertest(stepgate.app)`, or `http.createServer(stepgate.app)`. */
  app: RequestListener;
  /** Listens with `serve`'s timeouts; by default where `server.listen` says. Port 0 picks a free one. */
  listen(port?: number, host?: string): Promise<StepgateListening>;
  /** Drains what `listen` opened, then closes the store, Redis and the policy watcher. */
  close(): Promise<void>;
  /** The ports the gateway was built with: store, limiter, sessions, sms, email, clock, ... */
  ports: Ports;
  /** The resolved config: defaults filled in, durations in milliseconds. */
  config: Config;
  /** What SIGHUP does to `serve`: reads the policy and users files again (not inline ones). */
  reload(): Promise<void>;
}

/** The config, users or policy did not validate; `message` lists every problem, as `stepgate check` does. */
export class StepgateConfigError extends StartupError {
  override readonly name = 'StepgateConfigError';
  constructor(readonly problems: ConfigProblem[]) {
    super(formatProblems(problems));
  }
}

/** A policy given in code: it stays as given, nothing to watch or reload. */
function fixedPolicy(document: z.output<typeof policySchema>): LivePolicy {
  const compiled = compilePolicy(document);
  return {
    current: () => compiled,
    watch: () => undefined,
    close: () => undefined,
    reload: async () => true,
  };
}

/** The config object checked key by key and across keys, as `stepgate check` checks the file. */
function checkConfigObject(input: ConfigInput, options: StepgateOptions): ConfigProblem[] | Config {
  const result = checkValue(input, 'config', configSchema);
  if (!result.ok) return result.problems;
  // Inline users are direct sign-in: the config need not configure another kind.
  const crossProblems = crossCheck(result.value).filter(
    (problem) => !(options.users !== undefined && formatPath(problem.path) === 'logins'),
  );
  if (crossProblems.length === 0) return result.value;
  return crossProblems.map((problem) => ({
    file: 'config',
    path: formatPath(problem.path),
    message: problem.message,
  }));
}

async function resolveConfig(source: ConfigInput | string, options: StepgateOptions) {
  if (typeof source !== 'string') return checkConfigObject(source, options);
  const loaded = await loadConfig(source, options.env);
  return loaded.ok ? loaded.value : loaded.problems;
}

/** A file and an inline value for the same thing would leave one of them silently unused. */
function conflicts(config: Config, options: StepgateOptions, label: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (options.users !== undefined && config.logins.direct !== undefined) {
    problems.push({
      file: label,
      path: 'logins.direct',
      message: 'must not be set when users are given inline (options.users)',
    });
  }
  if (options.policy !== undefined && config.policy_file !== undefined) {
    problems.push({
      file: label,
      path: 'policy_file',
      message: 'must not be set when the policy is given inline (options.policy)',
    });
  }
  return problems;
}

/**
 * Builds the gateway from a config object (stepgate.yaml's content, `${VAR}` not interpolated) or
 * the path of a stepgate.yaml. Throws StepgateConfigError listing every problem of the config,
 * users and policy, and StartupError when something the config names cannot be opened.
 */
export async function createStepgate(
  source: ConfigInput | string,
  options: StepgateOptions = {},
): Promise<Stepgate> {
  const label = typeof source === 'string' ? source : 'config';
  const resolved = await resolveConfig(source, options);
  const users = options.users === undefined ? undefined : checkValue(options.users, 'users', usersFileSchema);
  const policy =
    options.policy === undefined ? undefined : checkValue(options.policy, 'policy', policySchema);
  const problems = [
    ...(Array.isArray(resolved) ? resolved : conflicts(resolved, options, label)),
    ...(users && !users.ok ? users.problems : []),
    ...(policy && !policy.ok ? policy.problems : []),
  ];
  if (problems.length > 0 || Array.isArray(resolved)) throw new StepgateConfigError(problems);
  const config = resolved;

  const logger = options.logger ?? jsonLogger();
  const composed = await compose(config, logger, {
    clock: options.clock,
    directUsers: users?.ok ? UsersFile.fromContent(users.value) : undefined,
    policy: policy?.ok ? fixedPolicy(policy.value) : undefined,
    sms: options.sms,
    email: options.email,
  });
  const { gateway } = composed;
  const listening: Listening[] = [];
  let closed: Promise<void> | undefined;

  async function listen(port?: number, host?: string): Promise<StepgateListening> {
    const [configuredHost, configuredPort] = splitListen(config.server.listen);
    const where = host ?? configuredHost;
    const address = `${where.includes(':') ? `[${where}]` : where}:${port ?? configuredPort}`;
    const opened = await listenOn({ ...config.server, listen: address }, gateway.handler, logger);
    gateway.attach(opened.server);
    listening.push(opened);
    const bound = (opened.server.address() as AddressInfo).port;
    const urlHost = where.includes(':') ? `[${where}]` : where;
    return { server: opened.server, port: bound, url: `http://${urlHost}:${bound}` };
  }

  return {
    app: gateway.handler,
    listen,
    close: () => (closed ??= Promise.all(listening.map((each) => each.drain())).then(() => composed.close())),
    ports: composed.ports,
    config,
    reload: () => composed.reload(),
  };
}
