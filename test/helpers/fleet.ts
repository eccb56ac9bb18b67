/**
 * What the suites that run several `stepgate serve` processes as one fleet share: starting them
 * together, undoing what a suite set up even when part of it failed, the shared outbox, a sign-in
 * that stops at the challenge, and the gateways' logs when a test fails.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, onTestFailed } from 'vitest';
import type { OutboxEntry } from '../../adapters/outbox/outbox.js';
import { BASE } from './flow.js';
import { TEST_PASSWORD } from './gateway.js';
import { call, CookieJar } from './http-client.js';
import { startStepgate, type StepgateProcess } from './processes.js';

/** Undone by runCleanups, newest first. */
export type Cleanups = (() => Promise<unknown> | unknown)[];

/** Runs every cleanup, newest first, each even when another failed; then reports the failures. */
export async function runCleanups(cleanups: Cleanups, what: string): Promise<void> {
  const problems: unknown[] = [];
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      problems.push(error);
    }
  }
  if (problems.length > 0) throw new AggregateError(problems, `cleaning up after ${what} failed`);
}

/** Two instances from one config, started at once as a fleet starts; each is stopped by `cleanups`. */
export async function startPair(
  options: Parameters<typeof startStepgate>[0],
  cleanups: Cleanups,
): Promise<[StepgateProcess, StepgateProcess]> {
  const started = await Promise.allSettled([0, 1].map(() => startStepgate(options)));
  for (const result of started) {
    if (result.status === 'fulfilled') cleanups.push(() => result.value.stop());
  }
  const [first, second] = started;
  if (first?.status !== 'fulfilled') throw first?.reason;
  if (second?.status !== 'fulfilled') throw second?.reason;
  return [first.value, second.value];
}

/** What every instance appended to the shared outbox, oldest first. */
export function readOutbox(path: string): OutboxEntry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as OutboxEntry);
}

/** Signs `user` in on `instance`; policy says confirm and 127.0.0.1 is new to them: at the challenge. */
export async function signInToChallenge(instance: StepgateProcess, user: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const res = await call(instance, jar, 'POST', `${BASE}/login`, { username: user, password: TEST_PASSWORD });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.next).toBe('confirm');
  return jar;
}

/** When a test fails, what both gateways logged is the first thing to read. */
export function showLogsOnFailure(instances: () => Record<string, StepgateProcess>): void {
  onTestFailed(() => {
    for (const [name, instance] of Object.entries(instances())) {
      process.stderr.write(`\n--- stepgate ${name} (${instance.url}) ---\n${instance.output()}\n`);
    }
  });
}

export interface FleetFiles {
  dir: string;
  /** users.yaml, one line per user. */
  users: string[];
  upstreamUrl: string;
  /** The `session:` lines besides the secret, indented under it. */
  session: string[];
  /** The PostgreSQL database both instances share. */
  databaseUrl: string;
  outboxPath: string;
}

/**
 * One stepgate.yaml for every instance (only $STEPGATE_PORT differs between them), with its users
 * file and a policy where everyone confirms (SMS limit at its default, 5 per rolling hour).
 */
export function writeFleetFiles(files: FleetFiles): string {
  const users = join(files.dir, 'users.yaml');
  writeFileSync(users, [...files.users, ''].join('\n'));
  const policy = join(files.dir, 'policy.yaml');
  writeFileSync(
    policy,
    [
      'version: 1',
      'mobile_registration: { prompt: false }',
      'rules:',
      '  - { name: everyone confirms, then: confirm }',
      '',
    ].join('\n'),
  );
  const config = join(files.dir, 'stepgate.yaml');
  writeFileSync(
    config,
    [
      'server:',
      "  listen: '127.0.0.1:${STEPGATE_PORT}'",
      "  public_url: 'http://localhost:${STEPGATE_PORT}'",
      `upstream: { url: ${JSON.stringify(files.upstreamUrl)} }`,
      'session:',
      ...files.session.map((line) => `  ${line}`),
      "  secret: '${STEPGATE_SESSION_SECRET}'",
      'store:',
      '  type: postgres',
      `  url: ${JSON.stringify(files.databaseUrl)}`,
      "  encryption_key: '${STEPGATE_ENCRYPTION_KEY}'",
      `logins: { direct: { users_file: ${JSON.stringify(users)} } }`,
      'notifications:',
      '  sms: { provider: outbox }',
      '  email: { provider: outbox }',
      `  outbox_path: ${JSON.stringify(files.outboxPath)}`,
      `policy_file: ${JSON.stringify(policy)}`,
      '',
    ].join('\n'),
  );
  return config;
}
