/**
 * Memory: the gateway's resident memory (VmRSS from /proc, read by this process) with no active
 * session and with `sessions` signed-in sessions, created through the JSON sign-in API with a
 * policy that skips confirmation and the cheapest password hash, a few at a time.
 *
 * Readings follow a full garbage collection (SIGUSR2, see servers/gc-on-signal.ts), so they count
 * what the sessions hold and not the garbage their sign-ins left; the reading before collecting is
 * kept too, as that is what an operator sees. The baseline is taken after a warm-up of sign-ins
 * and sign-outs, so the code and buffers of the sign-in path are in it and not counted per session.
 * With Redis sessions the gateway should stay flat; what Redis holds per session is sampled.
 */
import {
  benchUsers,
  CHEAP_HASH_COST,
  gcOnSignal,
  GatewayClient,
  inParallel,
  passwordHash,
  startGateway,
} from './gateway.js';
import { log, round, sleep, table, type BenchOptions } from './lib.js';
import { residentKiB, type Workspace } from './services.js';
import { openBenchRedis, type BenchRedis } from './stores.js';

const SIGN_IN_CONCURRENCY = 16;
const WARM_UP_SIGN_INS = 200;
const UNUSED_UPSTREAM = 'http://127.0.0.1:9';

async function collectedResidentMiB(pid: number): Promise<number> {
  for (let i = 0; i < 2; i++) {
    process.kill(pid, 'SIGUSR2');
    await sleep(750);
  }
  return round(residentKiB(pid) / 1024, 1);
}

export interface MemoryRun {
  sessions: 'memory' | 'redis';
  activeSessions: number;
  /** Resident MiB right after start, after the warm-up (no session), and with the sessions. */
  residentMiB: { started: number; baseline: number; loaded: number; loadedBeforeGc: number };
  bytesPerSession: number;
  signInsPerSecond: number;
  redis?: { keys: number; bytesPerSession: number; sessionJsonBytes: number };
}

async function measure(
  workspace: Workspace,
  options: BenchOptions,
  sessions: 'memory' | 'redis',
  users: Record<string, object>,
  redis: BenchRedis,
): Promise<MemoryRun> {
  await redis.clear();
  const gateway = await startGateway(workspace, {
    name: `memory-${sessions}`,
    upstreamUrl: UNUSED_UPSTREAM,
    policy: 'skip',
    sessions: sessions === 'redis' ? { store: 'redis', url: redis.url } : { store: 'memory' },
    store: { type: 'sqlite' },
    users,
    nodeArgs: gcOnSignal(workspace),
  });
  try {
    const client = new GatewayClient(gateway);
    const started = await collectedResidentMiB(gateway.pid);
    await inParallel(WARM_UP_SIGN_INS, SIGN_IN_CONCURRENCY, async (index) => {
      const { cookie } = await client.signIn(`warm${String(index + 1).padStart(5, '0')}`);
      await client.signOut(cookie);
    });
    const baseline = await collectedResidentMiB(gateway.pid);

    const begun = performance.now();
    await inParallel(options.sessions, SIGN_IN_CONCURRENCY, async (index) => {
      const { next } = await client.signIn(`user${String(index + 1).padStart(5, '0')}`);
      if (next !== 'done') throw new Error(`a skipped sign-in should be done, not '${String(next)}'`);
    });
    const signInsPerSecond = round(options.sessions / ((performance.now() - begun) / 1000), 1);
    const loadedBeforeGc = round(residentKiB(gateway.pid) / 1024, 1);
    const loaded = await collectedResidentMiB(gateway.pid);
    const footprint = sessions === 'redis' ? await redis.sessionFootprint(200) : undefined;
    const run: MemoryRun = {
      sessions,
      activeSessions: options.sessions,
      residentMiB: { started, baseline, loaded, loadedBeforeGc },
      bytesPerSession: Math.round(((loaded - baseline) * 2 ** 20) / options.sessions),
      signInsPerSecond,
      ...(footprint && {
        redis: {
          keys: footprint.keys,
          bytesPerSession: footprint.bytesPerKey,
          sessionJsonBytes: footprint.jsonBytes,
        },
      }),
    };
    log(`${sessions} sessions: ${JSON.stringify(run.residentMiB)} MiB, ${run.bytesPerSession} B/session`);
    return run;
  } finally {
    await gateway.stop();
    await redis.clear();
  }
}

export async function memoryBenchmark(workspace: Workspace, options: BenchOptions) {
  const hash = await passwordHash(CHEAP_HASH_COST);
  const users = {
    ...benchUsers('warm', WARM_UP_SIGN_INS, hash),
    ...benchUsers('user', options.sessions, hash),
  };
  const redis = await openBenchRedis(options.redisUrl);
  try {
    return {
      runs: [
        await measure(workspace, options, 'memory', users, redis),
        await measure(workspace, options, 'redis', users, redis),
      ],
    };
  } finally {
    await redis.close();
  }
}

export function memoryTable(result: Awaited<ReturnType<typeof memoryBenchmark>>): string {
  const rows = result.runs.map((run) => [
    run.sessions,
    run.residentMiB.started,
    run.residentMiB.baseline,
    run.residentMiB.loadedBeforeGc,
    run.residentMiB.loaded,
    run.bytesPerSession,
    run.redis ? run.redis.bytesPerSession : Number.NaN,
    run.signInsPerSecond,
  ]);
  const sessions = result.runs[0]?.activeSessions ?? 0;
  return table(
    [
      'sessions in',
      'MiB at start',
      'MiB, 0 sessions',
      `MiB, ${sessions} (before GC)`,
      `MiB, ${sessions}`,
      'gateway B/session',
      'Redis B/session',
      'sign-ins/s',
    ],
    rows,
  );
}
