/**
 * A stepgate for a benchmark: a config, a users file and a policy written to the workspace, the
 * compiled `stepgate serve` started on them, and a JSON client that signs in and confirms through
 * the same API an application would use. Codes are read from the outbox file the gateway writes.
 */
import { closeSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hashPassword } from '../gateway/flows/login/password.js';
import { freePort, startService, type Service, type Workspace } from './services.js';

export const PASSWORD = 'bench password';
const BASE_PATH = '/_stepgate';

/** scrypt cost 2^ln: 15 is what `stepgate hash-password` makes; 10 is the lowest users.yaml accepts. */
export const DEFAULT_HASH_COST = 15;
export const CHEAP_HASH_COST = 10;

export function passwordHash(ln: number): Promise<string> {
  return hashPassword(PASSWORD, { ln, r: 8, p: 1 });
}

export function emailOf(user: string): string {
  return `${user}@bench.example`;
}

/** `count` users named `<prefix>00001`…, all with the same password hash. */
export function benchUsers(prefix: string, count: number, hash: string): Record<string, object> {
  const users: Record<string, object> = {};
  for (let index = 1; index <= count; index++) {
    const name = `${prefix}${String(index).padStart(5, '0')}`;
    users[name] = { password_hash: hash, email: emailOf(name) };
  }
  return users;
}

export interface GatewayOptions {
  /** Names the gateway's directory in the workspace. */
  name: string;
  upstreamUrl: string;
  /** skip: a sign-in is forwardable at once. confirm_always: every sign-in must confirm by email. */
  policy: 'skip' | 'confirm_always';
  sessions: { store: 'memory' } | { store: 'redis'; url: string };
  store: { type: 'sqlite' } | { type: 'postgres'; url: string };
  /** store.encryption_key, which also seals Redis sessions; none when absent. */
  encryptionKey?: string;
  users: Record<string, object>;
  /** More of the policy document, e.g. `methods` with a higher send limit. */
  policyExtras?: Record<string, unknown>;
  cookieName?: string;
  /** More of stepgate.yaml's `server:`, e.g. trusted_proxies. */
  server?: Record<string, unknown>;
  /** Node options for the gateway process, e.g. --cpu-prof. */
  nodeArgs?: string[];
  env?: Record<string, string>;
}

export interface RunningGateway extends Service {
  cookieName: string;
  outboxPath: string;
}

/** Config, users and policy are written as JSON, which YAML reads as it is. */
export async function startGateway(workspace: Workspace, options: GatewayOptions): Promise<RunningGateway> {
  const dir = join(workspace.dir, options.name);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const cookieName = options.cookieName ?? `stepgate_bench_${port}`;
  const outboxPath = join(dir, 'outbox.jsonl');
  const config = {
    server: { listen: `127.0.0.1:${port}`, public_url: url, ...options.server },
    upstream: { url: options.upstreamUrl },
    session: {
      store: options.sessions.store,
      ...(options.sessions.store === 'redis' ? { redis_url: options.sessions.url } : {}),
      secret: 'benchmark-session-secret-0123456789abcdef',
      cookie_name: cookieName,
    },
    store: {
      ...(options.store.type === 'sqlite'
        ? { type: 'sqlite', path: join(dir, 'stepgate.db') }
        : { type: 'postgres', url: options.store.url }),
      ...(options.encryptionKey && { encryption_key: options.encryptionKey }),
    },
    logins: { direct: { users_file: join(dir, 'users.yaml') } },
    notifications: { outbox_path: outboxPath },
    policy_file: join(dir, 'policy.yaml'),
  };
  const policy = {
    version: 1,
    // Nobody is asked for a mobile number: a confirming sign-in goes straight to its email code.
    mobile_registration: { prompt: false },
    rules: [{ name: 'benchmark', then: options.policy }],
    ...options.policyExtras,
  };
  writeFileSync(join(dir, 'stepgate.yaml'), JSON.stringify(config, null, 1));
  writeFileSync(join(dir, 'policy.yaml'), JSON.stringify(policy, null, 1));
  writeFileSync(join(dir, 'users.yaml'), JSON.stringify(options.users));
  const service = await startService({
    name: `stepgate (${options.name})`,
    url,
    readyUrl: `${url}${BASE_PATH}/readyz`,
    script: join(workspace.build, 'bin', 'stepgate.js'),
    args: ['serve', '--config', join(dir, 'stepgate.yaml')],
    nodeArgs: options.nodeArgs,
    env: options.env,
    cwd: dir,
    logFile: join(dir, 'stepgate.log'),
  });
  return { ...service, cookieName, outboxPath };
}

/**
 * Node options and environment that let the memory benchmark force a full GC in the gateway and
 * read its heap figures from `file` (see servers/gc-on-signal.ts).
 */
export function gcOnSignal(workspace: Workspace, file: string): Pick<GatewayOptions, 'nodeArgs' | 'env'> {
  const hook = join(workspace.build, 'bench', 'servers', 'gc-on-signal.js');
  return {
    nodeArgs: ['--expose-gc', '--import', pathToFileURL(hook).href],
    env: { STEPGATE_BENCH_MEMORY_FILE: file },
  };
}

/**
 * Codes from the outbox file, read as it grows: each read takes only the lines appended since the
 * last one. The gateway answers /confirm/send after the line is written, so it is there to read.
 */
export class OutboxReader {
  private offset = 0;
  private partial = '';
  private readonly codes = new Map<string, string>();

  constructor(private readonly path: string) {}

  private readNew(): void {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return; // nothing sent yet
    }
    try {
      const buffer = Buffer.alloc(1 << 16);
      let read: number;
      while ((read = readSync(fd, buffer, 0, buffer.length, this.offset)) > 0) {
        this.offset += read;
        this.partial += buffer.toString('utf8', 0, read);
      }
    } finally {
      closeSync(fd);
    }
    const lines = this.partial.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') continue;
      const entry = JSON.parse(line) as { to: string; body: string };
      const code = /\d{4,10}/.exec(entry.body)?.[0];
      if (code) this.codes.set(entry.to, code);
    }
  }

  /** The latest code sent to `address`, once. */
  take(address: string): string {
    if (!this.codes.has(address)) this.readNew();
    const code = this.codes.get(address);
    if (code === undefined) throw new Error(`no code in the outbox for ${address}`);
    this.codes.delete(address);
    return code;
  }
}

export class GatewayClient {
  readonly outbox: OutboxReader;

  constructor(private readonly gateway: RunningGateway) {
    this.outbox = new OutboxReader(gateway.outboxPath);
  }

  /** POSTs JSON; returns the reply and the session cookie it set, if any. Anything but 200 throws. */
  private async post(path: string, body: unknown, cookie?: string) {
    const response = await fetch(`${this.gateway.url}${BASE_PATH}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(cookie ? { cookie } : {}),
      },
      body: JSON.stringify(body),
      redirect: 'manual',
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`POST ${path}: ${response.status} ${text.slice(0, 300)}`);
    const prefix = `${this.gateway.cookieName}=`;
    const set = response.headers.getSetCookie().find((header) => header.startsWith(prefix));
    return { reply: JSON.parse(text) as Record<string, unknown>, cookie: set?.split(';', 1)[0] };
  }

  /** Returns the session cookie and what the sign-in needs next ('confirm' or 'done'). */
  async signIn(user: string): Promise<{ cookie: string; next: unknown }> {
    const { reply, cookie } = await this.post('/login', { username: user, password: PASSWORD });
    if (!cookie) throw new Error('sign-in set no session cookie');
    return { cookie, next: reply.next };
  }

  async sendEmailCode(cookie: string): Promise<void> {
    await this.post('/confirm/send', { method: 'email' }, cookie);
  }

  /** Verifies the code the outbox holds for `user`; returns the renewed session cookie. */
  async verifyEmailCode(cookie: string, user: string): Promise<string> {
    const code = this.outbox.take(emailOf(user));
    const { reply, cookie: renewed } = await this.post('/confirm/verify', { method: 'email', code }, cookie);
    if (reply.next !== 'done' || !renewed)
      throw new Error(`verify did not confirm: ${JSON.stringify(reply)}`);
    return renewed;
  }

  async signOut(cookie: string): Promise<void> {
    await this.post('/logout', {}, cookie);
  }

  /** Sign in, send and verify an email code: a confirmed session's cookie. */
  async confirmedSession(user: string): Promise<string> {
    const { cookie } = await this.signIn(user);
    await this.sendEmailCode(cookie);
    return this.verifyEmailCode(cookie, user);
  }
}

/** Runs `task(0..count-1)` with at most `concurrency` at a time. */
export async function inParallel(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
