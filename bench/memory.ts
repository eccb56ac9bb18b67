/**
 * Memory: the gateway's resident memory (VmRSS from /proc, read by this process) with no active
 * session and with `sessions` signed-in sessions, created through the JSON sign-in API with a
 * policy that skips confirmation and the cheapest password hash, a few at a time.
 *
 * Readings follow a full garbage collection (SIGUSR2, see servers/gc-on-signal.ts), so they count
 * what the sessions hold and not the garbage their sign-ins left; the reading before collecting is
 * kept too, as that is what an operator sees. Resident memory moves in pages and allocator chunks
 * and also holds SQLite's page cache (history rows of each sign-in), so the JavaScript heap's own
 * growth is reported beside it. The baseline is taken after a warm-up of sign-ins and sign-outs,
 * so the code and buffers of the sign-in path are in it and not counted per session. With Redis
 * sessions the gateway's heap should stay flat; what Redis holds per session is sampled.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

interface Reading {
  residentMiB: number;
  heapUsedMiB: number;
  /** Memory outside the V8 heap that V8 knows of (buffers). */
  externalMiB: number;
}

const mib = (bytes: number) => round(bytes / 2 ** 20, 2);

/** Resident memory from /proc and the heap figures the hook wrote, each after two full collections. */
async function collectedReading(pid: number, file: string): Promise<Reading> {
  for (let i = 0; i < 2; i++) {
    process.kill(pid, 'SIGUSR2');
    await sleep(750);
  }
  const usage = JSON.parse(readFileSync(file, 'utf8')) as { heapUsed: number; external: number };
  return {
    residentMiB: mib(residentKiB(pid) * 1024),
    heapUsedMiB: mib(usage.heapUsed),
    externalMiB: mib(usage.external),
  };
}

export interface MemoryRun {
  sessions: 'memory' | 'redis';
  activeSessions: number;
  /** Right after start; after the warm-up, with no session (the baseline); with the sessions. */
  readings: { started: Reading; baseline: Reading; loaded: Reading };
  /** What an operator sees: resident MiB with the sessions, before any collection. */
  residentBeforeGcMiB: number;
  /** (loaded - baseline) / sessions, from resident memory and from the JavaScript heap. */
  bytesPerSession: { resident: number; heap: number };
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
  const usageFile = join(workspace.dir, `memory-${sessions}.json`);
  const gateway = await startGateway(workspace, {
    name: `memory-${sessions}`,
    upstreamUrl: UNUSED_UPSTREAM,
    policy: 'skip',
    sessions: sessions === 'redis' ? { store: 'redis', url: redis.url } : { store: 'memory' },
    store: { type: 'sqlite' },
    users,
    ...gcOnSignal(workspace, usageFile),
  });
  try {
    const client = new GatewayClient(gateway);
    const started = await collectedReading(gateway.pid, usageFile);
    await inParallel(WARM_UP_SIGN_INS, SIGN_IN_CONCURRENCY, async (index) => {
      const { cookie } = await client.signIn(`warm${String(index + 1).padStart(5, '0')}`);
      await client.signOut(cookie);
    });
    const baseline = await collectedReading(gateway.pid, usageFile);

    const begun = performance.now();
    await inParallel(options.sessions, SIGN_IN_CONCURRENCY, async (index) => {
      const { next } = await client.signIn(`user${String(index + 1).padStart(5, '0')}`);
      if (next !== 'done') throw new Error(`a skipped sign-in should be done, not '${String(next)}'`);
    });
    const signInsPerSecond = round(options.sessions / ((performance.now() - begun) / 1000), 1);
    const residentBeforeGcMiB = mib(residentKiB(gateway.pid) * 1024);
    const loaded = await collectedReading(gateway.pid, usageFile);
    const footprint = sessions === 'redis' ? await redis.sessionFootprint(200) : undefined;
    const perSession = (after: number, before: number) =>
      Math.round(((after - before) * 2 ** 20) / options.sessions);
    const run: MemoryRun = {
      sessions,
      activeSessions: options.sessions,
      readings: { started, baseline, loaded },
      residentBeforeGcMiB,
      bytesPerSession: {
        resident: perSession(loaded.residentMiB, baseline.residentMiB),
        heap: perSession(
          loaded.heapUsedMiB + loaded.externalMiB,
          baseline.heapUsedMiB + baseline.externalMiB,
        ),
      },
      signInsPerSecond,
      ...(footprint && {
        redis: {
          keys: footprint.keys,
          bytesPerSession: footprint.bytesPerKey,
          sessionJsonBytes: footprint.jsonBytes,
        },
      }),
    };
    log(
      `${sessions} sessions: ${JSON.stringify(run.readings)}, ${JSON.stringify(run.bytesPerSession)} B/session`,
    );
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
    run.readings.started.residentMiB,
    run.readings.baseline.residentMiB,
    run.residentBeforeGcMiB,
    run.readings.loaded.residentMiB,
    run.bytesPerSession.resident,
    run.bytesPerSession.heap,
    run.redis ? run.redis.bytesPerSession : Number.NaN,
    run.signInsPerSecond,
  ]);
  const sessions = result.runs[0]?.activeSessions ?? 0;
  return [
    table(
      [
        'sessions in',
        'RSS at start',
        'RSS, 0 sessions',
        `RSS, ${sessions} (no GC)`,
        `RSS, ${sessions}`,
        'RSS B/session',
        'heap B/session',
        'Redis B/session',
        'sign-ins/s',
      ],
      rows,
    ),
    'RSS in MiB after a full GC unless said; per session: (with - without) / sessions',
  ].join('\n');
}
