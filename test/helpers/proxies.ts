/**
 * Real nginx and Caddy, from Debian's packages, in front of a stepgate process, started with the
 * very configuration files docs/forward-auth.md shows (docs/forward-auth/), their placeholders
 * filled with loopback ports and a directory of their own. A missing binary fails the test with
 * the package to install: CI installs both (.ci/run).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DOCS = new URL('../../docs/forward-auth/', import.meta.url);
const KEPT_OUTPUT = 20_000;

export interface ProxyProcess {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** What it printed, and its error log, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** The documented file with each `{{name}}` replaced; a placeholder left unfilled is an error. */
export function fillTemplate(file: string, values: Record<string, string>): string {
  const text = readFileSync(new URL(file, DOCS), 'utf8');
  return text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${file}: no value for the placeholder ${whole}`);
    return value;
  });
}

function requireBinary(path: string, pkg: string): void {
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: install Debian's ${pkg} package (apt-get install ${pkg}); CI does (.ci/run)`,
    );
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000), redirect: 'manual' });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

async function started(
  name: string,
  child: ChildProcess,
  url: string,
  output: () => string,
): Promise<ProxyProcess> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const late = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(late);
    }
  };
  process.once('exit', () => child.kill('SIGKILL'));
  const deadline = Date.now() + 20_000;
  while (!(await answers(url))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${name} exited with ${child.exitCode ?? child.signalCode} before it answered:\n${output()}`,
      );
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not answer at ${url} within 20 s:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, output, stop };
}

function collect(child: ChildProcess): () => string {
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-KEPT_OUTPUT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output;
}

export const NGINX = '/usr/sbin/nginx';
export const CADDY = '/usr/bin/caddy';

/**
 * nginx in the foreground with docs/forward-auth/nginx.conf, its prefix, pid, logs and temporary
 * files in `dir`. As root, its workers run as root too (`user root;`): they must write to `dir`.
 */
export async function startNginx(options: {
  dir: string;
  port: number;
  stepgate: string;
  app: string;
}): Promise<ProxyProcess> {
  requireBinary(NGINX, 'nginx');
  const runDir = join(options.dir, 'nginx');
  mkdirSync(runDir, { recursive: true });
  const conf = join(runDir, 'nginx.conf');
  writeFileSync(
    conf,
    fillTemplate('nginx.conf', {
      run_dir: runDir,
      listen: `127.0.0.1:${options.port}`,
      stepgate: options.stepgate,
      app: options.app,
    }),
  );
  const globals = process.getuid?.() === 0 ? 'daemon off; user root;' : 'daemon off;';
  const child = spawn(NGINX, ['-p', runDir, '-c', conf, '-g', globals], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const printed = collect(child);
  const errorLog = join(runDir, 'error.log');
  const output = () =>
    printed() + (existsSync(errorLog) ? readFileSync(errorLog, 'utf8').slice(-KEPT_OUTPUT) : '');
  return started('nginx', child, `http://127.0.0.1:${options.port}/_stepgate/healthz`, output).then((p) => ({
    ...p,
    url: `http://127.0.0.1:${options.port}`,
  }));
}

/**
 * Caddy with docs/forward-auth/Caddyfile, its data and config in `dir` (no admin endpoint, no
 * automatic HTTPS, nothing written to $HOME).
 */
export async function startCaddy(options: {
  dir: string;
  port: number;
  stepgate: string;
  app: string;
}): Promise<ProxyProcess> {
  requireBinary(CADDY, 'caddy');
  const runDir = join(options.dir, 'caddy');
  mkdirSync(runDir, { recursive: true });
  const file = join(runDir, 'Caddyfile');
  writeFileSync(
    file,
    fillTemplate('Caddyfile', {
      run_dir: runDir,
      port: String(options.port),
      stepgate: options.stepgate,
      app: options.app,
    }),
  );
  const env = { ...process.env, HOME: runDir, XDG_DATA_HOME: runDir, XDG_CONFIG_HOME: runDir };
  const child = spawn(CADDY, ['run', '--config', file, '--adapter', 'caddyfile'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(child);
  return started('caddy', child, `http://127.0.0.1:${options.port}/_stepgate/healthz`, output).then((p) => ({
    ...p,
    url: `http://127.0.0.1:${options.port}`,
  }));
}
