/**
 * Confirmation throughput: full cycles per second (sign in, send an email code, read it from the
 * outbox, verify it) with the SQLite and the PostgreSQL store, each user signing in once so no
 * send limit or lockout comes into play. Sessions stay in memory, so the store is what differs.
 *
 * The password check (scrypt) dominates a sign-in, so each store is measured three ways: full
 * cycles with the default hash cost (what users.yaml holds in production), full cycles with the
 * cheapest cost users.yaml accepts, and send + verify alone on sessions signed in beforehand.
 */
import { verifyPassword } from '../gateway/flows/login/password.js';
import {
  benchUsers,
  CHEAP_HASH_COST,
  DEFAULT_HASH_COST,
  GatewayClient,
  inParallel,
  passwordHash,
  PASSWORD,
  startGateway,
} from './gateway.js';
import {
  log,
  median,
  meterCpu,
  meterProcesses,
  round,
  summarize,
  table,
  type BenchOptions,
  type CpuUse,
  type LatencySummary,
} from './lib.js';
import type { Workspace } from './services.js';
import { createBenchDatabase } from './stores.js';

/** Cycles in flight at once. */
const CONCURRENCY = 8;
const SLOW_USERS = 1_000;
const CHEAP_USERS = 12_000;
/** Never contacted: nothing is proxied here. */
const UNUSED_UPSTREAM = 'http://127.0.0.1:9';

type Steps = Record<string, number>;

export interface CycleRun {
  store: 'sqlite' | 'postgres';
  measurement: 'full cycle, default hash' | 'full cycle, cheapest hash' | 'send + verify only';
  completed: number;
  seconds: number;
  perSecond: number;
  /** Milliseconds per step, and for the whole cycle. */
  steps: Record<string, LatencySummary>;
  /** Milliseconds of the gateway process's CPU per completed cycle (all threads, scrypt included). */
  gatewayCpuMsPerCycle: number;
  cpu: CpuUse;
}

/** Runs `cycle` on CONCURRENCY workers until the time is up or `cycle` returns undefined (no more work). */
async function runCycles(durationS: number, gatewayPid: number, cycle: () => Promise<Steps | undefined>) {
  const samples = new Map<string, number[]>();
  let completed = 0;
  let lastDone = performance.now();
  const started = performance.now();
  const deadline = started + durationS * 1000;
  const stopMeter = meterCpu([gatewayPid]);
  const stopTimes = meterProcesses({ gateway: gatewayPid });
  const worker = async () => {
    while (performance.now() < deadline) {
      const begun = performance.now();
      const steps = await cycle();
      if (!steps) return;
      lastDone = performance.now();
      completed++;
      for (const [name, ms] of Object.entries({ ...steps, cycle: lastDone - begun })) {
        const list = samples.get(name) ?? [];
        list.push(ms);
        samples.set(name, list);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (lastDone - started) / 1000;
  return {
    completed,
    seconds: round(seconds, 2),
    perSecond: round(completed / seconds, 1),
    steps: Object.fromEntries([...samples].map(([name, values]) => [name, summarize(values)])),
    gatewayCpuMsPerCycle: round((stopTimes().gateway?.cpuMs ?? Number.NaN) / Math.max(1, completed), 2),
    cpu: stopMeter(),
  };
}

async function timed<T>(steps: Steps, name: string, action: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await action();
  steps[name] = performance.now() - started;
  return result;
}

/** Milliseconds for one password check at cost 2^ln, in this process, median of a few. */
async function hashCheckMs(ln: number): Promise<number> {
  const hash = await passwordHash(ln);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await verifyPassword(PASSWORD, hash);
    times.push(performance.now() - started);
  }
  return round(median(times), 1);
}

/** Hands out user names in order, from the start again when all were used (each may send 10 codes an hour). */
function userSequence(prefix: string, count: number) {
  let next = 0;
  return () => `${prefix}${String((next++ % count) + 1).padStart(5, '0')}`;
}

async function measureStore(
  workspace: Workspace,
  options: BenchOptions,
  store: 'sqlite' | 'postgres',
  users: Record<string, object>,
): Promise<CycleRun[]> {
  const database = store === 'postgres' ? await createBenchDatabase(options.postgresAdminUrl) : undefined;
  try {
    const gateway = await startGateway(workspace, {
      name: `confirm-${store}`,
      upstreamUrl: UNUSED_UPSTREAM,
      policy: 'confirm_always',
      sessions: { store: 'memory' },
      store: database ? { type: 'postgres', url: database.url } : { type: 'sqlite' },
      users,
    });
    try {
      const client = new GatewayClient(gateway);
      const slowUser = userSequence('slow', SLOW_USERS);
      const cheapUser = userSequence('user', CHEAP_USERS);
      const fullCycle = (user: string) => async () => {
        const steps: Steps = {};
        const { cookie, next } = await timed(steps, 'sign-in', () => client.signIn(user));
        if (next !== 'confirm') throw new Error(`sign-in should need confirming, not '${String(next)}'`);
        await timed(steps, 'send', () => client.sendEmailCode(cookie));
        await timed(steps, 'verify', () => client.verifyEmailCode(cookie, user));
        return steps;
      };
      const runs: CycleRun[] = [];
      const record = (measurement: CycleRun['measurement'], run: Awaited<ReturnType<typeof runCycles>>) => {
        runs.push({ store, measurement, ...run });
        log(`${store} ${measurement}: ${run.perSecond}/s (${run.completed} in ${run.seconds} s)`);
      };

      await inParallel(20, CONCURRENCY, () => fullCycle(cheapUser())().then(() => undefined)); // warm-up
      record(
        'full cycle, default hash',
        await runCycles(options.durationS, gateway.pid, () => fullCycle(slowUser())()),
      );
      const cheap = await runCycles(options.durationS, gateway.pid, () => fullCycle(cheapUser())());
      record('full cycle, cheapest hash', cheap);

      // Sessions waiting for their code, signed in beforehand (not timed): enough for the run, with room.
      const pool = Math.min(
        Math.ceil(cheap.perSecond * options.durationS * 3),
        CHEAP_USERS - cheap.completed - 20,
      );
      const waiting: { user: string; cookie: string }[] = [];
      await inParallel(pool, CONCURRENCY, async () => {
        const user = cheapUser();
        waiting.push({ user, cookie: (await client.signIn(user)).cookie });
      });
      const sendAndVerify = async () => {
        const session = waiting.pop();
        if (!session) return undefined;
        const steps: Steps = {};
        await timed(steps, 'send', () => client.sendEmailCode(session.cookie));
        await timed(steps, 'verify', () => client.verifyEmailCode(session.cookie, session.user));
        return steps;
      };
      record('send + verify only', await runCycles(options.durationS, gateway.pid, sendAndVerify));
      return runs;
    } finally {
      await gateway.stop();
    }
  } finally {
    await database?.drop();
  }
}

export async function confirmBenchmark(workspace: Workspace, options: BenchOptions) {
  const hashCheck = {
    [`ln=${DEFAULT_HASH_COST}`]: await hashCheckMs(DEFAULT_HASH_COST),
    [`ln=${CHEAP_HASH_COST}`]: await hashCheckMs(CHEAP_HASH_COST),
  };
  log(`one password check: ${JSON.stringify(hashCheck)} ms`);
  const users = {
    ...benchUsers('slow', SLOW_USERS, await passwordHash(DEFAULT_HASH_COST)),
    ...benchUsers('user', CHEAP_USERS, await passwordHash(CHEAP_HASH_COST)),
  };
  const runs = [
    ...(await measureStore(workspace, options, 'sqlite', users)),
    ...(await measureStore(workspace, options, 'postgres', users)),
  ];
  return { concurrency: CONCURRENCY, passwordCheckMs: hashCheck, runs };
}

export function confirmTable(result: Awaited<ReturnType<typeof confirmBenchmark>>): string {
  const p50 = (run: CycleRun, step: string) => run.steps[step]?.p50 ?? Number.NaN;
  const rows = result.runs.map((run) => [
    run.store,
    run.measurement,
    run.perSecond,
    p50(run, 'sign-in'),
    p50(run, 'send'),
    p50(run, 'verify'),
    p50(run, 'cycle'),
    run.gatewayCpuMsPerCycle,
  ]);
  return [
    table(
      [
        'store',
        'measurement',
        'per second',
        'sign-in p50',
        'send p50',
        'verify p50',
        'cycle p50',
        'gateway CPU ms',
      ],
      rows,
    ),
    'latencies in ms; gateway CPU per cycle, all its threads',
    '',
    `${result.concurrency} cycles in flight; one scrypt password check in the bench process: ` +
      Object.entries(result.passwordCheckMs)
        .map(([cost, ms]) => `${cost} ${ms} ms`)
        .join(', '),
  ].join('\n');
}
