/**
 * What the proxy measurements add up to: medians over the rounds per target, and ratios and
 * differences taken within each round (the machine's spare capacity drifts between rounds, much
 * less within one), then their median with the smallest and largest round.
 */
import { median, round, table } from './lib.js';
import type { LoadRun } from './load.js';

/** Issue 13: stepgate against the bare http-proxy-3 proxy, at saturation. */
export const GOALS = { throughputRatio: 1.5, cpuRatio: 0.7 };

export type TargetId = 'straight' | 'bare' | 'bare-undici' | 'stepgate' | 'stepgate-memory' | 'bare-defaults';

export interface Target {
  id: TargetId;
  label: string;
  url: string;
  headers?: Record<string, string>;
  /** By role: 'server' answers the load generator; 'upstream' and 'redis' when it uses them. */
  processes: Record<string, number>;
}

export type Phase = 'saturation' | 'half' | 'single';

export interface Measurement extends LoadRun {
  round: number;
  phase: Phase;
  target: TargetId;
  offeredRate?: number;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function pick(measurements: readonly Measurement[], phase: Phase, target: TargetId): Measurement[] {
  return measurements.filter((m) => m.phase === phase && m.target === target);
}

/** The median over rounds of a value computed within each round. */
function pairedMedian(
  measurements: readonly Measurement[],
  repeats: number,
  phase: Phase,
  value: (of: (target: TargetId) => Measurement | undefined) => number,
): Spread {
  const values: number[] = [];
  for (let index = 0; index < repeats; index++) {
    const inRound = measurements.filter((m) => m.round === index && m.phase === phase);
    values.push(value((target) => inRound.find((m) => m.target === target)));
  }
  const finite = values.filter(Number.isFinite);
  return { median: round(median(finite)), min: round(Math.min(...finite)), max: round(Math.max(...finite)) };
}

function perTarget(target: Target, measurements: readonly Measurement[]) {
  const of = (phase: Phase, value: (m: Measurement) => number) =>
    round(median(pick(measurements, phase, target.id).map(value)));
  return {
    target: target.id,
    label: target.label,
    saturationRps: of('saturation', (m) => m.rps),
    saturationP50Ms: of('saturation', (m) => m.latency.p50),
    saturationP99Ms: of('saturation', (m) => m.latency.p99),
    halfRateRps: of('half', (m) => m.offeredRate ?? Number.NaN),
    halfP50Ms: of('half', (m) => m.latency.p50),
    halfP99Ms: of('half', (m) => m.latency.p99),
    halfBusyShare: of('half', (m) => m.busyShare),
    singleRps: of('single', (m) => m.rps),
    singleP50Ms: of('single', (m) => m.latency.p50),
    singleP99Ms: of('single', (m) => m.latency.p99),
    connectionsPerRequest: of('saturation', (m) => m.connectionsPerRequest),
    /** At saturation, microseconds per request, by process. */
    cpuUsPerRequest: Object.fromEntries(
      [...Object.keys(target.processes), 'load generator'].map((role) => [
        role,
        of('saturation', (m) => m.cpuUsPerRequest[role] ?? Number.NaN),
      ]),
    ),
    serverWaitUsPerRequest: of('saturation', (m) => m.waitUsPerRequest.server ?? Number.NaN),
  };
}

export function summarizeProxy(
  targets: readonly Target[],
  measurements: readonly Measurement[],
  repeats: number,
) {
  const ratio = (a: TargetId, b: TargetId) =>
    pairedMedian(measurements, repeats, 'saturation', (of) => (of(a)?.rps ?? NaN) / (of(b)?.rps ?? NaN));
  const added = (phase: Phase, a: TargetId, b: TargetId, key: 'p50' | 'p99') =>
    pairedMedian(
      measurements,
      repeats,
      phase,
      (of) => (of(a)?.latency[key] ?? NaN) - (of(b)?.latency[key] ?? NaN),
    );
  // CPU time per request of the process in front, `a`'s over `b`'s: below 1 when `a` is cheaper.
  const cpuPerRequest = (a: TargetId, b: TargetId) =>
    pairedMedian(
      measurements,
      repeats,
      'saturation',
      (of) => (of(a)?.cpuUsPerRequest.server ?? NaN) / (of(b)?.cpuUsPerRequest.server ?? NaN),
    );
  const throughputRatio = ratio('stepgate', 'bare');
  const cpuShare = cpuPerRequest('stepgate', 'bare');
  const addedP99 = added('half', 'stepgate', 'bare', 'p99');
  return {
    perTarget: targets.map((target) => perTarget(target, measurements)),
    ratios: {
      stepgateToBare: throughputRatio,
      stepgateToBareUndici: ratio('stepgate', 'bare-undici'),
      bareUndiciToBare: ratio('bare-undici', 'bare'),
      stepgateToStraight: ratio('stepgate', 'straight'),
      bareToStraight: ratio('bare', 'straight'),
      stepgateMemoryToBare: ratio('stepgate-memory', 'bare'),
      stepgateToStepgateMemory: ratio('stepgate', 'stepgate-memory'),
      bareDefaultsToBare: ratio('bare-defaults', 'bare'),
    },
    cpuPerRequestRatios: {
      stepgateToBare: cpuShare,
      stepgateToBareUndici: cpuPerRequest('stepgate', 'bare-undici'),
      bareUndiciToBare: cpuPerRequest('bare-undici', 'bare'),
      stepgateMemoryToBare: cpuPerRequest('stepgate-memory', 'bare'),
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
      cpuPerRequestRatio: {
        goal: `<= ${GOALS.cpuRatio}`,
        value: cpuShare.median,
        reached: cpuShare.median <= GOALS.cpuRatio,
      },
    },
  };
}

export function proxyTable(result: ReturnType<typeof summarizeProxy>): string {
  const rows = result.perTarget.map((t) => [
    t.label,
    t.saturationRps,
    t.saturationP99Ms,
    t.halfRateRps,
    t.halfP50Ms,
    t.halfP99Ms,
    t.singleP50Ms,
    t.singleP99Ms,
    t.cpuUsPerRequest.server ?? Number.NaN,
    t.serverWaitUsPerRequest,
    t.connectionsPerRequest,
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
    'CPU us/req',
    'wait us/req',
    'conn/req',
  ];
  const { ratios, cpuPerRequestRatios: cpu, addedLatencyMs: added, goals } = result;
  const spread = (s: Spread) => `${s.median} (${s.min}..${s.max})`;
  const verdict = (reached: boolean) => (reached ? 'reached' : 'NOT reached');
  return [
    table(headers, rows),
    'latencies in ms; at saturation: CPU and run-queue wait of the process in front, and connections',
    'the load generator had to open per response (1: the server closed every connection)',
    '',
    `throughput stepgate / bare:              ${spread(ratios.stepgateToBare)}  goal ${goals.throughputRatio.goal}: ${verdict(goals.throughputRatio.reached)}`,
    `CPU per request stepgate / bare:         ${spread(cpu.stepgateToBare)}  goal ${goals.cpuPerRequestRatio.goal}: ${verdict(goals.cpuPerRequestRatio.reached)}`,
    `throughput stepgate / bare undici:       ${spread(ratios.stepgateToBareUndici)}`,
    `CPU per request stepgate / bare undici:  ${spread(cpu.stepgateToBareUndici)}`,
    `throughput bare undici / bare:           ${spread(ratios.bareUndiciToBare)}`,
    `CPU per request bare undici / bare:      ${spread(cpu.bareUndiciToBare)}`,
    `throughput stepgate / straight:          ${spread(ratios.stepgateToStraight)}`,
    `throughput bare / straight:              ${spread(ratios.bareToStraight)}`,
    `throughput stepgate (memory) / bare:     ${spread(ratios.stepgateMemoryToBare)}`,
    ...(Number.isFinite(ratios.bareDefaultsToBare.median)
      ? [`throughput bare defaults / bare:         ${spread(ratios.bareDefaultsToBare)}`]
      : []),
    `CPU per request stepgate (mem) / bare:   ${spread(cpu.stepgateMemoryToBare)}`,
    `added p99 at half saturation (ms):       ${spread(added.halfSaturationP99)}`,
    `  the same, memory sessions (ms):        ${spread(added.memorySessionsHalfSaturationP99)}`,
    `added p50 / p99, one connection (ms):    ${spread(added.singleConnectionP50)} / ${spread(added.singleConnectionP99)}`,
  ].join('\n');
}
