/**
 * Proxy overhead: the same tiny upstream reached straight, through a bare http-proxy-3 proxy,
 * and through stepgate with a confirmed session (Redis sessions, as a fleet runs it). Two more
 * references say where the difference comes from: stepgate with in-memory sessions (no Redis
 * round trips) and the bare proxy with a keep-alive agent toward the upstream.
 *
 * Phases, each interleaved across targets round by round (the order rotates every round):
 *   1. saturation: `connections` connections, one request in flight on each, as fast as possible;
 *   2. half of saturation: autocannon `overallRate` at half of each target's median saturation rate;
 *   3. one connection: one request at a time, the latency a single client sees on an idle proxy.
 * Medians over the rounds are reported; ratios are taken within a round, then their median.
 */
import { join } from 'node:path';
import {
  benchUsers,
  CHEAP_HASH_COST,
  GatewayClient,
  passwordHash,
  startGateway,
  type RunningGateway,
} from './gateway.js';
import { log, median, round, table, type BenchOptions } from './lib.js';
import { runLoad, type LoadRun } from './load.js';
import { summarizeProfile, type ProfileSummary } from './profile.js';
import { startBareProxy, startUpstream, type Service, type Workspace } from './services.js';
import { openBenchRedis } from './stores.js';

const PATH = '/bench/item?id=42';
const WARM_UP_S = 2;
const GOALS = { throughputRatio: 0.7, addedP99Ms: 2 };

type TargetId = 'straight' | 'bare' | 'stepgate' | 'stepgate-memory' | 'bare-keepalive';

interface Target {
  id: TargetId;
  label: string;
  url: string;
  headers?: Record<string, string>;
  pids: number[];
}

type Phase = 'saturation' | 'half' | 'single';

interface Measurement extends LoadRun {
  round: number;
  phase: Phase;
  target: TargetId;
  offeredRate?: number;
}

async function signedInCookie(gateway: RunningGateway): Promise<string> {
  return new GatewayClient(gateway).confirmedSession('bench00001');
}

function gatewayOptions(upstreamUrl: string, sessions: 'memory' | 'redis', redisUrl: string, hash: string) {
  return {
    name: `proxy-${sessions}`,
    upstreamUrl,
    policy: 'confirm_always' as const,
    sessions:
      sessions === 'redis' ? { store: 'redis' as const, url: redisUrl } : { store: 'memory' as const },
    store: { type: 'sqlite' as const },
    users: benchUsers('bench', 1, hash),
  };
}

/** Every target answers the upstream's body with 200 before anything is measured. */
async function checkTarget(target: Target): Promise<void> {
  const response = await fetch(`${target.url}${PATH}`, { headers: target.headers, redirect: 'manual' });
  const body = await response.text();
  if (response.status !== 200 || !body.includes('"ok"')) {
    throw new Error(`${target.label} answered ${response.status} ${body.slice(0, 200)}`);
  }
}

function rotated<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

async function measure(
  target: Target,
  phase: Phase,
  round: number,
  options: BenchOptions,
  rate?: number,
): Promise<Measurement> {
  const run = await runLoad({
    url: `${target.url}${PATH}`,
    headers: target.headers,
    connections: phase === 'single' ? 1 : options.connections,
    durationS: options.durationS,
    overallRate: phase === 'half' ? rate : undefined,
    pids: target.pids,
  });
  const failed = run.non2xx + run.errors;
  if (failed > Math.max(10, run.latency.count * 0.001)) {
    throw new Error(`${target.label}: ${run.non2xx} non-2xx answers and ${run.errors} errors in one run`);
  }
  log(
    `${phase.padEnd(10)} ${target.id.padEnd(15)} ${String(run.rps).padStart(8)} req/s  ` +
      `p50 ${run.latency.p50} ms  p99 ${run.latency.p99} ms  busy ${run.cpu.busyCores} cores (others ${run.cpu.otherCores})`,
  );
  return { ...run, round, phase, target: target.id, ...(rate ? { offeredRate: rate } : {}) };
}

/** A CPU profile of the Redis-session gateway during one saturation run. */
async function profileGateway(
  workspace: Workspace,
  upstream: Service,
  options: BenchOptions,
  hash: string,
): Promise<ProfileSummary> {
  const dir = join(workspace.dir, 'profile');
  const gateway = await startGateway(workspace, {
    ...gatewayOptions(upstream.url, 'redis', options.redisUrl, hash),
    name: 'proxy-profiled',
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', 'stepgate.cpuprofile'],
  });
  try {
    const cookie = await signedInCookie(gateway);
    const target: Target = {
      id: 'stepgate',
      label: 'stepgate (profiled)',
      url: gateway.url,
      headers: { cookie },
      pids: [gateway.pid, upstream.pid],
    };
    await measure(target, 'saturation', 0, options);
  } finally {
    await gateway.stop(); // the profile is written as the process exits
  }
  return summarizeProfile(join(dir, 'stepgate.cpuprofile'));
}

export async function proxyBenchmark(workspace: Workspace, options: BenchOptions) {
  const redis = await openBenchRedis(options.redisUrl);
  await redis.clear();
  const services: Service[] = [];
  try {
    const hash = await passwordHash(CHEAP_HASH_COST);
    const upstream = await startUpstream(workspace);
    services.push(upstream);
    const bare = await startBareProxy(workspace, upstream.url, { keepAlive: false });
    services.push(bare);
    const bareKeepAlive = await startBareProxy(workspace, upstream.url, { keepAlive: true });
    services.push(bareKeepAlive);
    const viaRedis = await startGateway(
      workspace,
      gatewayOptions(upstream.url, 'redis', options.redisUrl, hash),
    );
    services.push(viaRedis);
    const inMemory = await startGateway(
      workspace,
      gatewayOptions(upstream.url, 'memory', options.redisUrl, hash),
    );
    services.push(inMemory);

    const targets: Target[] = [
      { id: 'straight', label: 'straight to the upstream', url: upstream.url, pids: [upstream.pid] },
      { id: 'bare', label: 'bare http-proxy-3', url: bare.url, pids: [bare.pid, upstream.pid] },
      {
        id: 'stepgate',
        label: 'stepgate, Redis sessions',
        url: viaRedis.url,
        headers: { cookie: await signedInCookie(viaRedis) },
        pids: [viaRedis.pid, upstream.pid],
      },
      {
        id: 'stepgate-memory',
        label: 'stepgate, memory sessions',
        url: inMemory.url,
        headers: { cookie: await signedInCookie(inMemory) },
        pids: [inMemory.pid, upstream.pid],
      },
      {
        id: 'bare-keepalive',
        label: 'bare, keep-alive agent',
        url: bareKeepAlive.url,
        pids: [bareKeepAlive.pid, upstream.pid],
      },
    ];
    for (const target of targets) await checkTarget(target);

    log('warming up');
    for (const target of targets) {
      await runLoad({
        url: `${target.url}${PATH}`,
        headers: target.headers,
        connections: options.connections,
        durationS: WARM_UP_S,
        pids: [],
      });
    }

    const measurements: Measurement[] = [];
    for (let round = 0; round < options.repeats; round++) {
      for (const target of rotated(targets, round)) {
        measurements.push(await measure(target, 'saturation', round, options));
      }
    }
    const saturation = new Map(
      targets.map((target) => [
        target.id,
        median(pick(measurements, 'saturation', target.id).map((m) => m.rps)),
      ]),
    );
    for (let round = 0; round < options.repeats; round++) {
      for (const target of rotated(targets, round)) {
        const rate = Math.max(1, Math.round((saturation.get(target.id) ?? 0) / 2));
        measurements.push(await measure(target, 'half', round, options, rate));
      }
      for (const target of rotated(targets, round)) {
        measurements.push(await measure(target, 'single', round, options));
      }
    }

    const profile = options.profile ? await profileGateway(workspace, upstream, options, hash) : undefined;
    const summary = summarizeProxy(targets, measurements, options.repeats);
    return { targets: targets.map(({ id, label }) => ({ id, label })), measurements, ...summary, profile };
  } finally {
    for (const service of services.reverse()) await service.stop();
    await redis.clear();
    await redis.close();
  }
}

function pick(measurements: readonly Measurement[], phase: Phase, target: TargetId): Measurement[] {
  return measurements.filter((m) => m.phase === phase && m.target === target);
}

/** The median over rounds of a value computed within each round. */
function pairedMedian(
  measurements: readonly Measurement[],
  repeats: number,
  phase: Phase,
  value: (of: (target: TargetId) => Measurement | undefined) => number,
): { median: number; min: number; max: number } {
  const values: number[] = [];
  for (let round = 0; round < repeats; round++) {
    const inRound = measurements.filter((m) => m.round === round && m.phase === phase);
    values.push(value((target) => inRound.find((m) => m.target === target)));
  }
  const finite = values.filter(Number.isFinite);
  return { median: round(median(finite)), min: round(Math.min(...finite)), max: round(Math.max(...finite)) };
}

function summarizeProxy(targets: readonly Target[], measurements: readonly Measurement[], repeats: number) {
  const perTarget = targets.map((target) => {
    const of = (phase: Phase, value: (m: Measurement) => number) =>
      round(median(pick(measurements, phase, target.id).map(value)));
    return {
      target: target.id,
      label: target.label,
      saturationRps: of('saturation', (m) => m.rps),
      saturationP99Ms: of('saturation', (m) => m.latency.p99),
      halfRateRps: of('half', (m) => m.offeredRate ?? Number.NaN),
      halfP50Ms: of('half', (m) => m.latency.p50),
      halfP99Ms: of('half', (m) => m.latency.p99),
      halfBusyShare: of('half', (m) => m.busyShare),
      singleRps: of('single', (m) => m.rps),
      singleP50Ms: of('single', (m) => m.latency.p50),
      singleP99Ms: of('single', (m) => m.latency.p99),
    };
  });
  const ratio = (a: TargetId, b: TargetId) =>
    pairedMedian(measurements, repeats, 'saturation', (of) => (of(a)?.rps ?? NaN) / (of(b)?.rps ?? NaN));
  const added = (phase: Phase, a: TargetId, b: TargetId, key: 'p50' | 'p99') =>
    pairedMedian(
      measurements,
      repeats,
      phase,
      (of) => (of(a)?.latency[key] ?? NaN) - (of(b)?.latency[key] ?? NaN),
    );
  const throughputRatio = ratio('stepgate', 'bare');
  const addedP99 = added('half', 'stepgate', 'bare', 'p99');
  return {
    perTarget,
    ratios: {
      stepgateToBare: throughputRatio,
      stepgateToStraight: ratio('stepgate', 'straight'),
      bareToStraight: ratio('bare', 'straight'),
      stepgateMemoryToBare: ratio('stepgate-memory', 'bare'),
      stepgateToStepgateMemory: ratio('stepgate', 'stepgate-memory'),
      bareKeepAliveToBare: ratio('bare-keepalive', 'bare'),
    },
    addedLatencyMs: {
      halfSaturationP50: added('half', 'stepgate', 'bare', 'p50'),
      halfSaturationP99: addedP99,
      singleConnectionP50: added('single', 'stepgate', 'bare', 'p50'),
      singleConnectionP99: added('single', 'stepgate', 'bare', 'p99'),
      memorySessionsHalfSaturationP99: added('half', 'stepgate-memory', 'bare', 'p99'),
    },
    goals: {
      throughputRatio: {
        goal: `>= ${GOALS.throughputRatio}`,
        value: throughputRatio.median,
        reached: throughputRatio.median >= GOALS.throughputRatio,
      },
      addedP99AtHalfSaturationMs: {
        goal: `< ${GOALS.addedP99Ms}`,
        value: addedP99.median,
        reached: addedP99.median < GOALS.addedP99Ms,
      },
    },
  };
}

export function proxyTable(result: Awaited<ReturnType<typeof proxyBenchmark>>): string {
  const rows = result.perTarget.map((t) => [
    t.label,
    t.saturationRps,
    t.saturationP99Ms,
    t.halfRateRps,
    t.halfP50Ms,
    t.halfP99Ms,
    t.singleP50Ms,
    t.singleP99Ms,
  ]);
  const headers = [
    'target',
    'sat req/s',
    'sat p99',
    'half rate',
    'half p50',
    'half p99',
    '1-conn p50',
    '1-conn p99',
  ];
  const { ratios, addedLatencyMs: added, goals } = result;
  const range = (r: { median: number; min: number; max: number }) => `${r.median} (${r.min}..${r.max})`;
  return [
    table(headers, rows),
    '',
    `throughput stepgate / bare:            ${range(ratios.stepgateToBare)}  goal ${goals.throughputRatio.goal}: ${goals.throughputRatio.reached ? 'reached' : 'NOT reached'}`,
    `throughput stepgate / straight:        ${range(ratios.stepgateToStraight)}`,
    `throughput bare / straight:            ${range(ratios.bareToStraight)}`,
    `throughput stepgate(memory) / bare:    ${range(ratios.stepgateMemoryToBare)}`,
    `throughput bare keep-alive / bare:     ${range(ratios.bareKeepAliveToBare)}`,
    `added p99 at half saturation (ms):     ${range(added.halfSaturationP99)}  goal ${goals.addedP99AtHalfSaturationMs.goal}: ${goals.addedP99AtHalfSaturationMs.reached ? 'reached' : 'NOT reached'}`,
    `added p50 / p99, one connection (ms):  ${range(added.singleConnectionP50)} / ${range(added.singleConnectionP99)}`,
  ].join('\n');
}
