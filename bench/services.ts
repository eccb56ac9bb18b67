/**
 * The processes a benchmark measures, each on its own: the gateway, the upstream and the bare
 * proxy run as separate Node processes, the load generator stays in the benchmark process.
 *
 * They run compiled JavaScript, built once per run by the project's own compiler and settings
 * (tsconfig.build.json, as `npm run build`) into a private directory: the gateway runs as
 * `node stepgate.js serve`, exactly as in production; no loader sits in the measured processes
 * (tsx would add its esbuild child process and its transpiled sources to the resident memory the
 * memory benchmark reads); and dist/, which other people may be building or running, is left alone.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { log, ROOT, sleep } from './lib.js';

export interface Workspace {
  dir: string;
  /** Where the compiled sources are: `<build>/bin/stepgate.js`, `<build>/bench/servers/*.js`. */
  build: string;
  remove(): void;
}

/**
 * A private directory whose node_modules points at the repository's, so compiled files resolve
 * packages. `build` names an existing compiled tree instead (one kept with --keep, perhaps changed
 * to try something), which must also sit beside such a node_modules.
 */
export function createWorkspace(build?: string): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-bench-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return {
    dir,
    build: build ?? join(dir, 'build'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Compiles the product and bench/servers with tsconfig.build.json's settings; type errors are not our concern here. */
export async function compile(workspace: Workspace): Promise<void> {
  const config = join(workspace.dir, 'tsconfig.json');
  const sources = ['bin', 'gateway', 'adapters', 'policies', 'config/**/*.ts', 'bench/servers'];
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.build.json'),
      compilerOptions: { rootDir: ROOT, outDir: workspace.build, sourceMap: false, noCheck: true },
      include: sources.map((source) => join(ROOT, source)),
      exclude: [join(ROOT, '**/*.test.ts')],
    }),
  );
  const started = performance.now();
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const child = spawn(process.execPath, [tsc, '-p', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`compiling for the benchmark failed:\n${output}`);
  log(`compiled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}

/** Resident memory of a process, from /proc/<pid>/status (VmRSS), in kibibytes. */
export function residentKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]);
}

export interface Service {
  name: string;
  pid: number;
  url: string;
  /** What the process wrote to stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/**
 * CPU pinning. On a 2-CPU machine the load generator and the processes it measures otherwise take
 * turns on both CPUs at the scheduler's whim, which moves every figure from one run to the next.
 * pinLoadGenerator() keeps this process (the load generator, every thread) on one CPU; services
 * started afterwards run on the others, through `taskset`, which runs the program in its own place.
 */
let serverCpus: string | undefined;

export function pinLoadGenerator(cpu: number, others: string): void {
  execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', String(cpu), String(process.pid)], {
    stdio: 'ignore',
  });
  serverCpus = others;
}

/** Moves a process this benchmark started, with all its threads, to the servers' CPUs (if pinned). */
export function pinServer(pid: number): void {
  if (serverCpus === undefined) return;
  execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', serverCpus, String(pid)], {
    stdio: 'ignore',
  });
}

/** `command args`, run on the servers' CPUs when pinned. */
export function onServerCpus(command: string, args: string[]): [string, string[]] {
  return serverCpus === undefined
    ? [command, args]
    : ['taskset', ['--cpu-list', serverCpus, command, ...args]];
}

/** What pinning is in force, for the results. */
export function pinning(): { loadGenerator: string; servers: string } | undefined {
  if (serverCpus === undefined) return undefined;
  const mask = execFileSync('taskset', ['--pid', '--cpu-list', String(process.pid)], { encoding: 'utf8' });
  return { loadGenerator: mask.split(':').pop()?.trim() ?? '?', servers: serverCpus };
}

// Servers must not outlive the benchmark, whatever way it ends.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Starts `node [nodeArgs] script [args]` (or `command args`) and waits until `readyUrl` answers 2xx.
 * Output goes to `logFile`, so a failed start can say why.
 */
export async function startService(options: {
  name: string;
  url: string;
  readyUrl: string;
  /** A program other than node; `script` and `nodeArgs` are then left out. */
  command?: string;
  script?: string;
  args: string[];
  nodeArgs?: string[];
  cwd: string;
  logFile: string;
  env?: Record<string, string>;
}): Promise<Service> {
  const out = openSync(options.logFile, 'a');
  const [command, args] = options.command
    ? onServerCpus(options.command, options.args)
    : onServerCpus(process.execPath, [...(options.nodeArgs ?? []), options.script ?? '', ...options.args]);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  running.add(child);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      running.delete(child);
      resolve();
    }),
  );
  const output = () => readFileSync(options.logFile, 'utf8');
  const deadline = Date.now() + 60_000;
  while (!(await answers(options.readyUrl))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} did not start:\n${output().slice(-3000)}`);
    }
    await sleep(100);
  }
  if (child.pid === undefined) throw new Error(`${options.name} has no process id`);
  return {
    name: options.name,
    pid: child.pid,
    url: options.url,
    output,
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** A server of bench/servers/, by its script's name, on a free loopback port. */
async function startBenchServer(
  workspace: Workspace,
  name: string,
  script: string,
  args: (port: number) => string[],
): Promise<Service> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return startService({
    name,
    url,
    readyUrl: `${url}/`,
    script: join(workspace.build, 'bench', 'servers', `${script}.js`),
    args: args(port),
    cwd: workspace.dir,
    logFile: join(workspace.dir, `${name}.log`),
  });
}

/** The fixed-answer upstream of bench/servers/upstream.ts. */
export function startUpstream(workspace: Workspace): Promise<Service> {
  return startBenchServer(workspace, 'upstream', 'upstream', (port) => [String(port)]);
}

/** The bare http-proxy-3 proxy of bench/servers/bare-proxy.ts. */
export function startBareProxy(
  workspace: Workspace,
  upstreamUrl: string,
  options: { keepAlive: boolean },
): Promise<Service> {
  const name = options.keepAlive ? 'bare-proxy' : 'bare-proxy-defaults';
  return startBenchServer(workspace, name, 'bare-proxy', (port) => [
    String(port),
    upstreamUrl,
    ...(options.keepAlive ? ['--keep-alive'] : []),
  ]);
}

/** The bare undici proxy of bench/servers/bare-undici-proxy.ts. */
export function startBareUndiciProxy(workspace: Workspace, upstreamUrl: string): Promise<Service> {
  return startBenchServer(workspace, 'bare-undici-proxy', 'bare-undici-proxy', (port) => [
    String(port),
    upstreamUrl,
  ]);
}

/** The bare verifier of bench/servers/bare-verifier.ts, naming `user` in every answer. */
export function startBareVerifier(workspace: Workspace, user: string): Promise<Service> {
  return startBenchServer(workspace, 'bare-verifier', 'bare-verifier', (port) => [String(port), user]);
}
