#!/usr/bin/env node
/**
 * The stepgate command (SPEC §5). Every command takes --config FILE (default $STEPGATE_CONFIG,
 * then ./stepgate.yaml) and exits non-zero with a one-line reason on failure.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import { loadConfig, resolveConfigPath } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { formatProblems } from '../config/yaml-loader.js';
import { hashPassword } from '../gateway/flows/login/password.js';
import { compose, StartupError } from './compose.js';
import { demoUpstream } from './demo-upstream.js';
import { jsonLogger } from './logger.js';
import { listen, type Listening } from './listen.js';
import { checkCommand } from './check.js';
import { adminArguments, adminCommand } from './admin.js';
import { readSecret } from './read-secret.js';

const USAGE = `usage: stepgate <command> [--config FILE]

commands:
  serve           run the gateway
  check           validate stepgate.yaml, the policy and the users file; print every problem
                  (--connect: then bind the directory's search account, as serve does at start,
                  and read the OpenID Connect provider's discovery document)
  hash-password   read a password from standard input and print its hash for users.yaml
  demo            run the gateway on the embedded demo config beside a demo upstream
  admin           help-desk operations on the store (try 'stepgate admin --help')`;

class UsageError extends Error {}

async function readConfig(configPath: string): Promise<Config> {
  const loaded = await loadConfig(configPath);
  if (!loaded.ok) throw new StartupError(formatProblems(loaded.problems));
  return loaded.value;
}

async function serve(config: Config): Promise<void> {
  const logger = jsonLogger();
  const composed = await compose(config, logger);
  let listening: Listening;
  try {
    listening = await listen(config.server, composed.gateway.handler, logger);
  } catch (error) {
    // Redis, the store and the policy watcher are open by now and would keep the process alive.
    await composed.close();
    throw new StartupError((error as Error).message);
  }
  composed.gateway.attach(listening.server);
  logger.info('stepgate listening', { listen: config.server.listen, public_url: config.server.public_url });
  process.on('SIGHUP', () => void composed.reload());
  const stop = (signal: string) => {
    logger.info('stepgate stopping', { signal, shutdown_timeout_ms: config.server.shutdown_timeout });
    void listening
      .drain()
      .then(() => composed.close())
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * The gateway on the demo config (or another), with the demo application listening where the
 * config's upstream.url says; the banner names the address the config serves.
 */
async function demo(configPath: string | undefined): Promise<void> {
  process.env.STEPGATE_SESSION_SECRET ??= randomBytes(32).toString('base64url');
  const config = await readConfig(configPath ?? 'config/stepgate.demo.yaml');
  const target = new URL(config.upstream.url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const upstream: Server = demoUpstream();
  await new Promise<void>((resolve, reject) => {
    upstream.once('error', (error) =>
      reject(new StartupError(`demo upstream cannot listen on ${target.host}: ${error.message}`)),
    );
    upstream.listen(port, host, resolve);
  });
  try {
    await serve(config);
  } catch (error) {
    upstream.close();
    throw error;
  }
  process.stderr.write(
    `\nstepgate demo: open ${config.server.public_url.replace(/\/$/, '')}/ and sign in as "demo" with password "demo-password".\n` +
      `Codes and notices are written to ${config.notifications.outbox_path}.\n\n`,
  );
}

async function main(argv: string[]): Promise<number> {
  const admin = adminArguments(argv);
  if (admin) return adminCommand(admin);
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
  switch (command) {
    case 'serve':
      await serve(await readConfig(configPath));
      return -1;
    case 'demo':
      await demo(values.config);
      return -1;
    case 'check':
      return checkCommand(configPath, { connect: values.connect ?? false });
    case 'hash-password': {
      const password = await readSecret('Password: ');
      if (password === '') throw new UsageError('hash-password: the password is empty');
      process.stdout.write(`${await hashPassword(password)}\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command '${command}' (try 'stepgate --help')`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    const known = error instanceof StartupError || error instanceof UsageError;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`stepgate: ${known ? message : `unexpected error: ${message}`}\n`);
    process.exitCode =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  },
);
