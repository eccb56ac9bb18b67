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

const VERIFY_CACHE = 'nginx-verify-cache.conf';
/** The comment lines of nginx-verify-cache.conf that open its two parts, and where each goes. */
const VERIFY_CACHE_PARTS = [
  { heading: '# ---- in http { } ----', after: 'http {' },
  { heading: '# ---- in location = /_stepgate-verify { } ----', after: 'location = /_stepgate-verify {' },
] as const;

/** The index of the line that is `line` (spaces around it aside); a missing one is an error. */
function lineIndex(lines: readonly string[], line: string, file: string, why: string): number {
  const at = lines.findIndex((candidate) => candidate.trim() === line);
  if (at < 0) throw new Error(`docs/forward-auth/${file} has no line '${line}' any more: ${why}`);
  return at;
}

/**
 * How long docs/forward-auth/nginx-verify-cache.conf has nginx keep stepgate's answers, in
 * seconds, read from its `proxy_cache_valid 200 Ns;`: the revocation delay it buys.
 */
export function verifyCacheSeconds(): number {
  const text = readFileSync(new URL(VERIFY_CACHE, DOCS), 'utf8');
  const seconds = /^\s*proxy_cache_valid 200 (\d+)s;$/m.exec(text)?.[1];
  if (seconds === undefined) {
    throw new Error(`docs/forward-auth/${VERIFY_CACHE} has no 'proxy_cache_valid 200 <N>s;' any more`);
  }
  return Number(seconds);
}

/**
 * docs/forward-auth/nginx.conf as filled (`config`) with docs/forward-auth/nginx-verify-cache.conf
 * added as that file says: its first part after `http {`, its second after
 * `location = /_stepgate-verify {`, `{{run_dir}}` filled with `runDir`.
 */
export function withVerificationCache(config: string, runDir: string): string {
  const cache = fillTemplate(VERIFY_CACHE, { run_dir: runDir }).split('\n');
  const starts = VERIFY_CACHE_PARTS.map(({ heading }) =>
    lineIndex(
      cache,
      heading,
      VERIFY_CACHE,
      'withVerificationCache (test/helpers/proxies.ts) finds its parts by it',
    ),
  );
  let lines = config.split('\n');
  VERIFY_CACHE_PARTS.forEach(({ heading, after }, i) => {
    const part = cache.slice((starts[i] ?? 0) + 1, starts[i + 1] ?? cache.length);
    while (part.at(-1)?.trim() === '') part.pop();
    if (!part.some((line) => line.trim() !== '' && !line.trim().startsWith('#'))) {
      throw new Error(`docs/forward-auth/${VERIFY_CACHE}: its part '${heading}' holds no directive`);
    }
    const at = lineIndex(lines, after, 'nginx.conf', `${VERIFY_CACHE}'s part '${heading}' goes after it`);
    lines = [...lines.slice(0, at + 1), ...part, '', ...lines.slice(at + 1)];
  });
  return lines.join('\n');
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
  /** With docs/forward-auth/nginx-verify-cache.conf added (withVerificationCache). */
  verifyCache?: boolean;
}): Promise<ProxyProcess> {
  requireBinary(NGINX, 'nginx');
  const runDir = join(options.dir, 'nginx');
  mkdirSync(runDir, { recursive: true });
  const conf = join(runDir, 'nginx.conf');
  const documented = fillTemplate('nginx.conf', {
    run_dir: runDir,
    listen: `127.0.0.1:${options.port}`,
    stepgate: options.stepgate,
    app: options.app,
  });
  writeFileSync(conf, options.verifyCache ? withVerificationCache(documented, runDir) : documented);
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
