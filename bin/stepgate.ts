#!/usr/bin/env node
/**
 * The stepgate command (SPEC §5). Every command takes --config FILE (default $STEPGATE_CONFIG,
 * then ./stepgate.yaml) and exits non-zero with a one-line reason on failure.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig, resolveConfigPath } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { formatProblems } from '../config/yaml-loader.js';
import { hashPassword } from '../gateway/flows/login/password.js';
import { StartupError } from './compose.js';
import { demo, writeDemoConfig } from './demo.js';
import { healthcheck } from './healthcheck.js';
import { createLogger, logFormatFrom, type LogFormat } from './logger.js';
import { serve } from './serve.js';
import { checkCommand } from './check.js';
import { adminArguments, adminCommand } from './admin.js';
import { readSecret } from './read-secret.js';
import { speakCliLanguage } from './language.js';
import { t } from '../gateway/i18n/index.js';

const USAGE = `usage: stepgate <command> [--config FILE]

commands:
  serve           run the gateway
  check           validate stepgate.yaml, the policy and the users file; print every problem
                  (--connect: then bind the directory's search account, as serve does at start,
                  and read the OpenID Connect provider's discovery document)
  hash-password   read a password from standard input and print its hash for users.yaml
  demo            run the gateway on the demo config beside a demo application (npm start);
                  without --config it writes var/demo/stepgate.yaml and runs on that
  healthcheck     ask the gateway this config runs for GET <base_path>/healthz; exit 0 on 200
  admin           help-desk operations on the store (try 'stepgate admin --help')

The log is JSON lines on standard error; STEPGATE_LOG_FORMAT=pretty makes it readable (the
demo's default on a terminal).`;

class UsageError extends Error {}

async function readConfig(configPath: string): Promise<Config> {
  const loaded = await loadConfig(configPath, undefined, { files: true });
  if (!loaded.ok) throw new StartupError(formatProblems(loaded.problems));
  return loaded.value;
}

function logger(fallback: LogFormat) {
  try {
    return createLogger({ format: logFormatFrom(process.env, fallback) });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * `npm start`: the demo config written under var/demo, which keeps its own session secret; or
 * the one given, with a random secret for this run when it names STEPGATE_SESSION_SECRET unset.
 */
async function startDemo(given: string | undefined): Promise<void> {
  const log = logger(process.stderr.isTTY ? 'pretty' : 'json');
  if (given !== undefined) process.env.STEPGATE_SESSION_SECRET ??= randomBytes(32).toString('base64url');
  const configPath = given ?? (await writeDemoConfig());
  await demo(await readConfig(configPath), configPath, log);
}

async function main(argv: string[]): Promise<number> {
  const admin = adminArguments(argv);
  // Commands that answer the person running them speak their language; serve and demo log in English.
  if (admin) {
    speakCliLanguage(process.env);
    return adminCommand(admin);
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      connect: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined && !values.help ? 2 : 0;
  }
  const configPath = resolveConfigPath(values.config, process.env);
  if (command !== 'serve' && command !== 'demo') speakCliLanguage(process.env);
  switch (command) {
    case 'serve': {
      const log = logger('json');
      await serve(await readConfig(configPath), log);
      return -1;
    }
    case 'demo':
      await startDemo(values.config);
      return -1;
    case 'healthcheck': {
      const loaded = await loadConfig(configPath);
      if (!loaded.ok) throw new StartupError(formatProblems(loaded.problems));
      const result = await healthcheck(loaded.value);
      (result.ok ? process.stdout : process.stderr).write(`${result.ok ? '' : 'stepgate: '}${result.line}\n`);
      return result.ok ? 0 : 1;
    }
    case 'check':
      return checkCommand(configPath, { connect: values.connect ?? false });
    case 'hash-password': {
      const password = await readSecret('Password: ');
      if (password === '') throw new UsageError(t('cli.empty_password'));
      process.stdout.write(`${await hashPassword(password)}\n`);
      return 0;
    }
    default:
      throw new UsageError(t('cli.unknown_command', { command }));
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    const known = error instanceof StartupError || error instanceof UsageError;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`stepgate: ${known ? message : t('cli.unexpected_error', { message })}\n`);
    process.exitCode =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  },
);
