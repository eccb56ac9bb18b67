/**
 * `npm run soak [-- --minutes 10 --users 16 --node-args=...]`: mixed traffic over two `stepgate serve` processes
 * sharing one Redis and one PostgreSQL, while Redis is restarted twice and PostgreSQL once. Not a
 * test and not in `npm test`: it reports what happened, for docs/benchmarks.md.
 *
 * Each virtual user loops without stickiness (every request goes to either instance at random):
 * sign in, send an email code, sometimes answer wrong first, answer right, use the application a
 * few times, sign out. It reports every answer by status, the 5xx that were not the intended 503
 * of an outage, the history entries PostgreSQL holds against the attempts the gateways answered,
 * and each gateway's resident memory at the start and the end.
 *
 * Redis and PostgreSQL are started here (Debian's binaries, temporary directories, free loopback
 * ports); Redis appends to a file, as a production Redis does, so a restart keeps its data.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startPostgres, startRedis } from '../test/helpers/services.js';
import {
  benchUsers,
  CHEAP_HASH_COST,
  emailOf,
  OutboxReader,
  PASSWORD,
  passwordHash,
  startGateway,
  type RunningGateway,
} from './gateway.js';
import { describeMachine, log, sleep, table, writeResults } from './lib.js';
import { compile, createWorkspace, residentKiB, startUpstream } from './services.js';

const BASE = '/_stepgate';

interface Tally {
  /** "route status" → count */
  answers: Map<string, number>;
  /** 5xx other than 503, and network errors, with an example each. */
  unexpected: Map<string, string>;
  /**
   * Answers that write one history entry each: a send answered 200 (Initiated), 423 (Locked) or
   * 429 (RateLimited), an answer 200 (Succeeded), 400 (Failed…) or 423 (Locked).
   */
  attempts: number;
  cycles: number;
}

function count(tally: Tally, key: string): void {
  tally.answers.set(key, (tally.answers.get(key) ?? 0) + 1);
}

interface Instance {
  gateway: RunningGateway;
  outbox: OutboxReader;
}

class VirtualUser {
  private cookie: string | undefined;

  constructor(
    private readonly name: string,
    private readonly instances: readonly Instance[],
    private readonly tally: Tally,
  ) {}

  private pick(): Instance {
    return this.instances[Math.floor(Math.random() * this.instances.length)] as Instance;
  }

  /** One request; returns the status and JSON body, or 0 when the connection failed. */
  private async request(
    route: string,
    instance: Instance,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.cookie) headers.cookie = this.cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let status = 0;
    let parsed: Record<string, unknown> = {};
    try {
      const response = await fetch(`${instance.gateway.url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(30_000),
      });
      status = response.status;
      const set = response.headers
        .getSetCookie()
        .find((line) => line.startsWith(`${instance.gateway.cookieName}=`));
      if (set) this.cookie = set.split(';', 1)[0];
      const text = await response.text();
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = { text: text.slice(0, 200) };
      }
    } catch (error) {
      const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
      this.tally.unexpected.set(
        `${route} network error`,
        `${(error as Error).message}: ${cause?.code ?? cause?.message ?? 'no cause'}`,
      );
    }
    count(this.tally, `${route} ${status}`);
    if (status >= 500 && status !== 503) {
      this.tally.unexpected.set(`${route} ${status}`, JSON.stringify(parsed).slice(0, 300));
    }
    return { status, body: parsed };
  }

  /** One sign-in to sign-out; returns early (to start over) on any answer it did not expect. */
  async cycle(): Promise<void> {
    this.cookie = undefined;
    const login = await this.request('login', this.pick(), 'POST', `${BASE}/login`, {
      username: this.name,
      password: PASSWORD,
    });
    if (login.status !== 200 || login.body.next !== 'confirm') return;
    const sendVia = this.pick();
    const sent = await this.request('send', sendVia, 'POST', `${BASE}/confirm/send`, { method: 'email' });
    if ([200, 423, 429].includes(sent.status)) this.tally.attempts += 1;
    if (sent.status !== 200) return;
    const code = sendVia.outbox.take(emailOf(this.name));
    if (Math.random() < 0.25) {
      const wrong = code === '000000' ? '111111' : '000000';
      const refused = await this.request('verify', this.pick(), 'POST', `${BASE}/confirm/verify`, {
        method: 'email',
        code: wrong,
      });
      if ([200, 400, 423].includes(refused.status)) this.tally.attempts += 1;
      if (refused.status !== 400) return;
    }
    const verified = await this.request('verify', this.pick(), 'POST', `${BASE}/confirm/verify`, {
      method: 'email',
      code,
    });
    if ([200, 400, 423].includes(verified.status)) this.tally.attempts += 1;
    if (verified.status !== 200) return;
    for (let page = 0; page < 5; page += 1) {
      const used = await this.request('proxied', this.pick(), 'GET', `/app/${page}`);
      if (used.status !== 200) return;
    }
    await this.request('logout', this.pick(), 'POST', `${BASE}/logout`, {});
    this.tally.cycles += 1;
  }
}

async function historyEntries(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ count: string }>('SELECT count(*) FROM verification_history');
    return Number(result.rows[0]?.count ?? 0);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      users: { type: 'string', default: '16' },
      // e.g. --node-args=--max-old-space-size=64: a heap that cannot grow tells a leak (it dies)
      // from a heap that grows because it may (it stays up).
      'node-args': { type: 'string', default: '' },
    },
  });
  const minutes = Number(values.minutes);
  const userCount = Number(values.users);
  if (!(minutes > 0) || !(userCount > 0)) throw new Error('--minutes and --users must be positive numbers');
  const durationMs = minutes * 60_000;
  const startedAt = new Date();

  const workspace = createWorkspace();
  const redis = await startRedis({ persistent: true });
  const postgres = await startPostgres();
  const database = `stepgate_soak_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const storeUrl = new URL(postgres.url);
  storeUrl.pathname = `/${database}`;

  await compile(workspace);
  const upstream = await startUpstream(workspace);
  const users = benchUsers('soak', userCount, await passwordHash(CHEAP_HASH_COST));
  // Both seal sessions with one key, as a fleet must, to read each other's.
  const encryptionKey = randomBytes(32).toString('base64');
  const gateways = await Promise.all(
    ['a', 'b'].map((name) =>
      startGateway(workspace, {
        name,
        upstreamUrl: upstream.url,
        policy: 'confirm_always',
        sessions: { store: 'redis', url: redis.url },
        store: { type: 'postgres', url: storeUrl.toString() },
        encryptionKey,
        users,
        // A user here signs in every few seconds: the hourly email limit would stop the soak.
        policyExtras: { methods: { email: { send_limit: { count: 100_000, per: '1h' } } } },
        cookieName: 'stepgate_soak',
        nodeArgs: values['node-args'].split(' ').filter((arg) => arg !== ''),
      }),
    ),
  );
  const instances = gateways.map((gateway) => ({ gateway, outbox: new OutboxReader(gateway.outboxPath) }));
  const memoryAtStart = gateways.map((gateway) => residentKiB(gateway.pid));

  const tally: Tally = { answers: new Map(), unexpected: new Map(), attempts: 0, cycles: 0 };
  const events: string[] = [];
  const loadStart = Date.now();
  const deadline = loadStart + durationMs;
  const loops = Object.keys(users).map(async (name) => {
    const user = new VirtualUser(name, instances, tally);
    while (Date.now() < deadline) {
      await user.cycle();
      await sleep(20);
    }
  });
  const faults = (async () => {
    const at = (fraction: number) =>
      sleep(Math.max(0, startedAt.getTime() + durationMs * fraction - Date.now()));
    for (const [fraction, name, restart] of [
      [0.25, 'Redis', () => redis.restart()],
      [0.45, 'PostgreSQL', () => postgres.restart()],
      [0.65, 'Redis', () => redis.restart()],
    ] as const) {
      await at(fraction);
      const begun = Date.now();
      await restart();
      const line = `${name} restarted at ${((begun - loadStart) / 1000).toFixed(0)} s (down ${Date.now() - begun} ms)`;
      events.push(line);
      log(line);
    }
  })();
  await Promise.all([...loops, faults]);
  await sleep(2_000); // the last history writes
  const memoryAtEnd = gateways.map((gateway) => residentKiB(gateway.pid));
  const entries = await historyEntries(storeUrl.toString());

  for (const service of [...gateways, upstream]) await service.stop();
  await redis.stop();
  await postgres.stop();
  workspace.remove();

  const answers = Object.fromEntries([...tally.answers].sort());
  const total = [...tally.answers.values()].reduce((sum, n) => sum + n, 0);
  const unavailable = [...tally.answers]
    .filter(([key]) => key.endsWith(' 503'))
    .reduce((sum, [, n]) => sum + n, 0);
  const results = {
    machine: describeMachine(),
    minutes,
    users: userCount,
    events,
    requests: total,
    cycles: tally.cycles,
    answers,
    intended_503: unavailable,
    unexpected: Object.fromEntries(tally.unexpected),
    history: { attempts_answered: tally.attempts, entries },
    resident_kib: { start: memoryAtStart, end: memoryAtEnd },
  };
  const file = writeResults('soak', startedAt, results);
  process.stdout.write(
    `\n${table(
      ['what', 'value'],
      [
        ['requests', total],
        ['full cycles', tally.cycles],
        ['503 during outages', unavailable],
        [
          'other 5xx or network errors',
          tally.unexpected.size === 0 ? 'none' : [...tally.unexpected.keys()].join(', '),
        ],
        ['attempts answered / history entries', `${tally.attempts} / ${entries}`],
        ['resident MiB at start (a, b)', memoryAtStart.map((kib) => (kib / 1024).toFixed(0)).join(', ')],
        ['resident MiB at end (a, b)', memoryAtEnd.map((kib) => (kib / 1024).toFixed(0)).join(', ')],
      ],
    )}\n${events.join('\n')}\nwritten to ${file}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`soak: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
