/**
 * The servers the suite talks to over real sockets: Redis and PostgreSQL. A developer or CI that
 * already runs them points the suite at them with STEPGATE_TEST_REDIS_URL and
 * STEPGATE_TEST_POSTGRES_URL (or leaves them on their default ports). When nothing answers there,
 * the suite starts its own from Debian's binaries — `redis-server` and a throwaway PostgreSQL
 * cluster in a temporary directory — on free loopback ports, and stops them afterwards.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from './processes.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

const STARTUP_TIMEOUT_MS = 30_000;
const KEPT_OUTPUT = 4_000;

export interface Service {
  /** Where the suite reaches it. */
  readonly url: string;
  /** True when this helper started it (and so stops it). */
  readonly started: boolean;
  stop(): Promise<void>;
}

/** A server this helper started, which it can also stop and start again on the same port and data. */
export interface StartedService extends Service {
  /** Stops it as an operator would (SIGTERM for Redis, a fast shutdown for PostgreSQL) and starts it again. */
  restart(): Promise<void>;
  /** The process id now (it changes on restart). */
  pid(): number | undefined;
}

/** Whether a Redis answers PING at `url` (a password in the URL is sent first). */
export async function redisAnswers(url: string, timeoutMs = 2_000): Promise<boolean> {
  const { hostname, port, password, username } = new URL(url);
  const commands: string[] = [];
  if (password) {
    const auth = username
      ? ['AUTH', decodeURIComponent(username), decodeURIComponent(password)]
      : ['AUTH', decodeURIComponent(password)];
    commands.push(resp(auth));
  }
  commands.push(resp(['PING']));
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 6379) });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(commands.join('')));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('+PONG')) done(true);
      else if (answer.startsWith('-') || answer.includes('\r\n-')) done(false);
    });
  });
}

function resp(parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
}

/** Whether a PostgreSQL accepts a connection and a query at `url`. */
export async function postgresAnswers(url: string, timeoutMs = 3_000): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A server process of the tests, with the end of what it printed, for failure messages. */
export interface Child {
  process: ChildProcess;
  output(): string;
}

export function spawnKept(
  command: string,
  args: string[],
  options: { uid?: number; gid?: number } = {},
): Child {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-KEPT_OUTPUT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('error', (error) => keep(Buffer.from(`\n${command}: ${error.message}\n`)));
  // The backstop: a suite that ends abruptly leaves no server behind.
  process.once('exit', () => child.kill('SIGKILL'));
  return { process: child, output: () => output };
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals,
  graceMs = 10_000,
): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const late = sleep(graceMs).then(() => 'late' as const);
  if ((await Promise.race([gone, late])) === 'late') {
    child.kill('SIGKILL');
    await gone;
  }
}

/** Polls `ready` until it holds; fails with the server's output when it exits or takes too long. */
async function waitUntil(name: string, child: Child, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (exited(child.process)) {
      throw new Error(`${name} exited before it was ready:\n${child.output()}`);
    }
    if (await ready()) return;
    if (Date.now() > deadline) {
      await stopChild(child.process, 'SIGKILL');
      throw new Error(`${name} was not ready within ${STARTUP_TIMEOUT_MS} ms:\n${child.output()}`);
    }
    await sleep(100);
  }
}

/** Debian's binary by name: on the PATH, or (PostgreSQL) in its versioned directory. */
function findBinary(name: string, extraDirs: string[] = []): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin', ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error(
    `${name} is needed to run the tests and was not found; on Debian: apt-get install ${
      name.startsWith('redis') ? 'redis-server' : 'postgresql'
    } (or point STEPGATE_TEST_${name.startsWith('redis') ? 'REDIS' : 'POSTGRES'}_URL at a running server)`,
  );
}

function postgresBinDirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(root, version, 'bin'));
}

/** The Redis at the configured URL, or a `redis-server` of our own on a free loopback port. */
export async function ensureRedis(configured = process.env.STEPGATE_TEST_REDIS_URL): Promise<Service> {
  const url = configured ?? DEFAULT_REDIS_URL;
  if (await redisAnswers(url)) return { url, started: false, stop: async () => undefined };
  if (configured !== undefined) {
    throw new Error(`STEPGATE_TEST_REDIS_URL is ${url} but no Redis answers there`);
  }
  return startRedis();
}

/**
 * A fresh `redis-server` on a free loopback port. It keeps nothing on disk unless `persistent`,
 * where it appends every write to a file in a temporary directory (appendfsync everysec, as
 * production does), so a restart keeps what was written.
 */
export async function startRedis(options: { persistent?: boolean } = {}): Promise<StartedService> {
  const port = await freePort();
  const dir = options.persistent ? mkdtempSync(join(tmpdir(), 'stepgate-redis-')) : undefined;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    ...(dir ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir] : ['--appendonly', 'no']),
  ];
  return startedServer({
    name: `redis-server on port ${port}`,
    url: `redis://127.0.0.1:${port}`,
    spawn: () => spawnKept(findBinary('redis-server'), args),
    ready: (url) => redisAnswers(url, 500),
    signal: 'SIGTERM',
    dir,
  });
}

/**
 * A server process this helper keeps: started (and started again on restart) by `spawn` until
 * `ready` holds, stopped with `signal`; `dir`, its data, is removed when it stops for good.
 */
async function startedServer(server: {
  name: string;
  url: string;
  spawn: () => Child;
  ready: (url: string) => Promise<boolean>;
  signal: NodeJS.Signals;
  dir: string | undefined;
}): Promise<StartedService> {
  const launch = async () => {
    const child = server.spawn();
    await waitUntil(server.name, child, () => server.ready(server.url));
    return child;
  };
  let child = await launch();
  return {
    url: server.url,
    started: true,
    pid: () => child.process.pid,
    restart: async () => {
      await stopChild(child.process, server.signal);
      child = await launch();
    },
    stop: async () => {
      await stopChild(child.process, server.signal);
      if (server.dir) rmSync(server.dir, { recursive: true, force: true });
    },
  };
}

/** The `postgres` system user (Debian's package makes it): PostgreSQL will not run as root. */
function postgresUser(): { uid?: number; gid?: number } {
  try {
    const [uid, gid] = ['-u', '-g'].map((flag) =>
      Number(execFileSync('id', [flag, 'postgres']).toString().trim()),
    );
    return { uid, gid };
  } catch {
    throw new Error(
      'the tests run as root and there is no postgres user to run PostgreSQL as; apt-get install postgresql',
    );
  }
}

/** The PostgreSQL at the configured URL, or a throwaway cluster of our own on a free loopback port. */
export async function ensurePostgres(configured = process.env.STEPGATE_TEST_POSTGRES_URL): Promise<Service> {
  const url = configured ?? DEFAULT_POSTGRES_URL;
  if (await postgresAnswers(url)) return { url, started: false, stop: async () => undefined };
  if (configured !== undefined) {
    throw new Error(`STEPGATE_TEST_POSTGRES_URL is ${url} but no PostgreSQL answers there`);
  }
  return startPostgres();
}

/**
 * initdb into a temporary directory (trust authentication for `postgres` on loopback only, no
 * fsync: the data is thrown away), then `postgres` on a free port with its socket in that
 * directory. PostgreSQL refuses to run as root, so as root both run as the `postgres` user.
 */
export async function startPostgres(): Promise<StartedService> {
  const dirs = postgresBinDirs();
  const initdb = findBinary('initdb', dirs);
  const postgres = findBinary('postgres', dirs);
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-postgres-'));
  const data = join(dir, 'data');
  const user = process.getuid?.() === 0 ? postgresUser() : {};
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid ?? user.uid);
  try {
    execFileSync(
      initdb,
      ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      {
        ...user,
        stdio: 'pipe',
      },
    );
  } catch (error) {
    const failed = error as { stderr?: Buffer; message: string };
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${failed.stderr?.toString() || failed.message}`, { cause: error });
  }
  const port = await freePort();
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=300',
  ];
  // SIGINT is PostgreSQL's fast shutdown: it ends the connections clients left open.
  return startedServer({
    name: `PostgreSQL on port ${port}`,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    spawn: () => spawnKept(postgres, args, user),
    ready: (url) => postgresAnswers(url, 1_000),
    signal: 'SIGINT',
    dir,
  });
}
