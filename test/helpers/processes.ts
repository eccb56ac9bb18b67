/**
 * Real `stepgate serve` processes (dist/, compiled by test/global-setup.ts), as an operator runs
 * them: started from a config file, ready when /readyz answers 200, stopped with SIGTERM. Every
 * process started here is killed when the test process exits, even after a failed test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What a process printed is kept for failure messages; only the end of a long log matters. */
const KEPT_OUTPUT = 20_000;

const running = new Set<ChildProcess>();
// The backstop: a test that failed before its afterAll, or a worker torn down, leaves no gateway behind.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface StepgateProcess {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** stdout and stderr so far (the JSON log), for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL when it has not exited within `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** A loopback port nothing listens on: one the kernel gave us and we released. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  const gone = exited(child);
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  if ((await Promise.race([gone, late])) === 'late') {
    child.kill('SIGKILL');
    await gone;
  }
  clearTimeout(timer);
  running.delete(child);
}

/** One GET of /readyz: its status, or undefined when nothing answered in time. */
async function readyzStatus(url: string, basePath: string): Promise<number | undefined> {
  try {
    const res = await fetch(`${url}${basePath}/readyz`, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return undefined;
  }
}

/** Why a start failed, and whether another port may succeed. */
class StartFailure extends Error {
  constructor(
    message: string,
    readonly portTaken: boolean,
  ) {
    super(message);
  }
}

interface StartOptions {
  /** The config file; it reads the port from $STEPGATE_PORT (`listen: 127.0.0.1:${STEPGATE_PORT}`). */
  config: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  basePath?: string;
  readyTimeoutMs?: number;
}

/**
 * Starts `stepgate serve --config <config>` on a free loopback port and polls /readyz until it
 * answers 200. Fails, with the process's output, when the process exits first or is not ready
 * within `readyTimeoutMs` (it is stopped then). A port taken between choosing it and listening on
 * it (other tests bind ports all the time) is retried on another.
 */
export async function startStepgate(options: StartOptions): Promise<StepgateProcess> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnPort(options, await freePort());
    } catch (error) {
      if (!(error instanceof StartFailure && error.portTaken && attempt < 3)) throw error;
    }
  }
}

async function startOnPort(options: StartOptions, port: number): Promise<StepgateProcess> {
  const { basePath = '/_stepgate', readyTimeoutMs = 60_000 } = options;
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [`${ROOT}dist/bin/stepgate.js`, 'serve', '--config', options.config],
    {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, STEPGATE_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-KEPT_OUTPUT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  // 'close' comes after the last of its output, so a failure message holds all of it.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      running.delete(child);
      if (!spawnError) await closed;
      const how = spawnError?.message ?? `exited with ${child.exitCode ?? child.signalCode}`;
      throw new StartFailure(
        `stepgate serve on port ${port} ${how} before it was ready:\n${output}`,
        /cannot listen on .*EADDRINUSE/.test(output),
      );
    }
    const status = await readyzStatus(url, basePath);
    if (status === 200) break;
    if (Date.now() > deadline) {
      await stopChild(child, 5_000);
      throw new StartFailure(
        `stepgate serve on port ${port} was not ready within ${readyTimeoutMs} ms ` +
          `(last /readyz: ${status ?? 'no answer'}):\n${output}`,
        false,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  return {
    url,
    port,
    output: () => output,
    stop: (graceMs = 10_000) => stopChild(child, graceMs),
  };
}

export interface ProcessConfigOptions {
  /** Where the config, users file, policy, database and outbox are written. */
  dir: string;
  /** Names the files, so several configs can share one directory. */
  name?: string;
  /** The `upstream:` mapping's content, e.g. `url: http://127.0.0.1:3000, public_paths: [/x]`. */
  upstream: string;
  /** server.public_url; the process's own http://localhost:PORT when absent. */
  publicUrl?: string;
  /** More `server:` keys, one `key: value` a line. */
  server?: string[];
  /** The `session:` mapping's content; in memory with a random secret when absent. */
  session?: string;
  /** The `store:` mapping's content; SQLite in `dir` when absent. */
  store?: string;
  /** users.yaml; nobody when absent (a gateway needs a way to sign in, not a user). */
  users?: string;
  /** policy.yaml; the built-in default when absent. */
  policy?: string;
  /** More `logins:` keys beside direct, e.g. `oidc: { issuer: ..., client_id: ... }`. */
  logins?: string;
}

/**
 * A stepgate.yaml for startStepgate, on $STEPGATE_PORT, with its users file and policy beside
 * it; returns its path. Only what a test is about needs saying.
 */
export function writeProcessConfig(options: ProcessConfigOptions): string {
  const { dir, name = 'stepgate' } = options;
  const file = (suffix: string) => JSON.stringify(join(dir, `${name}.${suffix}`));
  const users = join(dir, `${name}.users.yaml`);
  writeFileSync(users, options.users ?? '{}\n');
  const policy = options.policy === undefined ? undefined : join(dir, `${name}.policy.yaml`);
  if (policy !== undefined) writeFileSync(policy, options.policy ?? '');
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    [
      'server:',
      "  listen: '127.0.0.1:${STEPGATE_PORT}'",
      `  public_url: '${options.publicUrl ?? 'http://localhost:${STEPGATE_PORT}'}'`,
      ...(options.server ?? []).map((line) => `  ${line}`),
      `upstream: { ${options.upstream} }`,
      `session: { ${options.session ?? `store: memory, secret: ${randomBytes(24).toString('base64url')}`} }`,
      `store: { ${options.store ?? `type: sqlite, path: ${file('db')}`} }`,
      `logins: { direct: { users_file: ${JSON.stringify(users)} }${options.logins ? `, ${options.logins}` : ''} }`,
      `notifications: { outbox_path: ${file('outbox.jsonl')} }`,
      ...(policy === undefined ? [] : [`policy_file: ${JSON.stringify(policy)}`]),
      '',
    ].join('\n'),
  );
  return path;
}
