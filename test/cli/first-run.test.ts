/**
 * A new user's first run: `npm start` (stepgate demo without --config) writes
 * var/demo/stepgate.yaml, and the README's commands, run as printed in another shell, work on
 * the running demo; a temporary code the CLI issues is accepted by the demo's gateway. The admin
 * commands need no session secret, but temp-code, whose code the gateway must accept.
 *
 * The demo runs in a directory of its own with a copy of config/ (its ports made free ones), as
 * a checkout would; `npx stepgate` there runs this checkout's dist/bin/stepgate.js.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runStepgate, type CliResult } from '../helpers/cli.js';
import { call, CookieJar } from '../helpers/http-client.js';
import { freePort } from '../helpers/processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stepgate-first-run-'));
const SLOW = { timeout: 240_000 };

/** The environment of a new terminal: none of stepgate's variables set. */
function freshEnv(): NodeJS.ProcessEnv {
  const {
    STEPGATE_SESSION_SECRET: _secret,
    STEPGATE_CONFIG: _config,
    STEPGATE_HISTORY_KEY: _key,
    ...env
  } = process.env;
  return { ...env, PATH: `${join(dir, 'bin')}:${env.PATH ?? ''}` };
}

/** The first ```sh block of the README's "## Commands" section. */
function readmeCommands(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Commands\n'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('README.md: no sh block under "## Commands"');
  return block;
}

function run(command: string, args: string[], input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: dir, env: freshEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** What the commands said went wrong; warnings (about settings the demo leaves unset) aside. */
function failures(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line !== '' && !line.startsWith('stepgate: warning: '));
}

let demo: ChildProcess;
let demoLog = '';
let gatewayUrl = '';

beforeAll(async () => {
  mkdirSync(join(dir, 'config'));
  for (const file of ['stepgate.demo.yaml', 'users.demo.yaml', 'policy.example.yaml']) {
    copyFileSync(join(ROOT, 'config', file), join(dir, 'config', file));
  }
  const [gatewayPort, upstreamPort] = [await freePort(), await freePort()];
  const template = join(dir, 'config', 'stepgate.demo.yaml');
  writeFileSync(
    template,
    readFileSync(template, 'utf8')
      .replaceAll('8080', String(gatewayPort))
      .replaceAll('127.0.0.1:3000', `127.0.0.1:${upstreamPort}`),
  );
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  // `npx stepgate` in a checkout runs the package's own bin: here, this checkout's.
  mkdirSync(join(dir, 'bin'));
  const npx = join(dir, 'bin', 'npx');
  writeFileSync(
    npx,
    `#!/bin/sh\n[ "$1" = stepgate ] || exit 127\nshift\nexec "${process.execPath}" "${ROOT}dist/bin/stepgate.js" "$@"\n`,
  );
  chmodSync(npx, 0o755);

  demo = spawn(process.execPath, [join(ROOT, 'dist/bin/stepgate.js'), 'demo'], {
    cwd: dir,
    env: freshEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demo.stderr?.on('data', (chunk: Buffer) => (demoLog += chunk.toString()));
  await vi.waitFor(() => expect(demoLog).toContain('stepgate demo: open'), {
    timeout: 60_000,
    interval: 100,
  });
}, 90_000);

afterAll(() => {
  demo?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('writes var/demo/stepgate.yaml with a secret of its own and names it in the banner', () => {
    const written = readFileSync(join(dir, 'var/demo/stepgate.yaml'), 'utf8');
    const secret = readFileSync(join(dir, 'var/demo/session-secret'), 'utf8').trim();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(written).toContain(`secret: \${STEPGATE_SESSION_SECRET:-${secret}}`);
    expect(demoLog).toContain('export STEPGATE_CONFIG=var/demo/stepgate.yaml');
    // The history is chained from the first entry with a key of the demo's own, made once.
    expect(readFileSync(join(dir, 'var/demo/history-key'), 'utf8').trim()).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(demoLog).toContain('STEPGATE_HISTORY_KEY=$(cat var/demo/history-key)');
    expect(demoLog).not.toContain('STEPGATE_HISTORY_KEY is not set');
  });

  it('logs JSON lines with the time, level and message when standard error is no terminal', () => {
    const listening = demoLog
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.message === 'stepgate listening');
    expect(listening).toMatchObject({ level: 'info', time: expect.any(String), listen: expect.any(String) });
  });
});

describe("the README's commands after npm start", () => {
  it('all work as printed, in a new shell with no stepgate variable set', SLOW, async () => {
    const result = await run('bash', ['-e', '-o', 'pipefail', '-c', readmeCommands()]);
    expect(failures(result.stderr), result.stderr).toEqual([]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('var/demo/stepgate.yaml: configuration is valid');
    expect(result.stdout).toMatch(/^\$scrypt\$/m);
    expect(result.stdout).toMatch(/^\d{6,}\nexpires at /m);
    expect(result.stdout).toContain('"user":"demo"');
    // One chain: the demo's entries and the commands' own, all keyed, none unchained.
    expect(result.stderr).not.toContain('STEPGATE_HISTORY_KEY is not set');
    expect(result.stdout).toMatch(/^history chain OK: \d+ entries checked \(seq 1 to \d+\)$/m);
    expect(result.stdout).not.toContain('not checked');
  });

  it(
    'issue a temporary code the running demo accepts: one key for the CLI and the gateway',
    SLOW,
    async () => {
      const env = { ...freshEnv(), STEPGATE_CONFIG: 'var/demo/stepgate.yaml' };
      const issued = await runStepgate(['admin', 'temp-code', 'demo', '--hours', '1'], { cwd: dir, env });
      expect(issued.code, issued.stderr).toBe(0);
      const code = issued.stdout.split('\n')[0] ?? '';

      const jar = new CookieJar();
      const demoSite = { url: gatewayUrl };
      const login = await call(demoSite, jar, 'POST', '/_stepgate/login', {
        username: 'demo',
        password: 'demo-password',
      });
      expect(login.body.next, JSON.stringify(login.body)).toBe('register_mobile');
      expect((await call(demoSite, jar, 'POST', '/_stepgate/mobile/decline', {})).status).toBe(200);
      const verified = await call(demoSite, jar, 'POST', '/_stepgate/confirm/verify', {
        method: 'temporary_code',
        code,
      });
      expect(verified.body, JSON.stringify(verified.body)).toMatchObject({ next: 'done' });
    },
  );
});

describe('the admin commands on a config whose session secret is unset', () => {
  const template = () => join(dir, 'config', 'stepgate.demo.yaml');
  const admin = (...args: string[]) =>
    runStepgate(['admin', ...args, '--config', template()], { cwd: dir, env: freshEnv() });

  it('work without it: they sign nobody in', SLOW, async () => {
    for (const args of [
      ['history', '--user', 'demo'],
      ['activations', 'demo'],
      ['remove-mobile', 'demo'],
    ]) {
      const result = await admin(...args);
      expect(failures(result.stderr), args.join(' ')).toEqual([]);
      expect(result.code).toBe(0);
    }
  });

  it('refuse temp-code in one line: the gateway would not accept its code', SLOW, async () => {
    const result = await admin('temp-code', 'demo', '--hours', '1');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      `stepgate: admin temp-code needs session.secret, the gateway's own (the code is kept as a hash keyed from it); it is not set in ${template()}`,
    ]);
  });
});
