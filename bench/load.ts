/**
 * One load-generator run with autocannon, in this process.
 *
 * Latencies are taken from autocannon's 'response' events, which carry the exact time of each
 * request, and not from its summary: the summary's histogram counts whole milliseconds, too
 * coarse for a loopback proxy whose median is well under one.
 *
 * With `overallRate` autocannon does not space requests evenly: each connection sends its share
 * of the second as fast as it can, then waits for the next second. `busyShare` says how much of
 * the run requests were actually in flight: near 1 at saturation, well below it when paced.
 */
import autocannon from 'autocannon';
import { loadAverage, meterCpu, round, summarize, type CpuUse, type LatencySummary } from './lib.js';

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  durationS: number;
  /** Requests per second across all connections; unset: as fast as responses come back. */
  overallRate?: number;
  /** Processes whose CPU time counts as the benchmark's own. */
  pids: readonly number[];
}

export interface LoadRun {
  /** 2xx responses per second. */
  rps: number;
  latency: LatencySummary;
  non2xx: number;
  errors: number;
  timeouts: number;
  busyShare: number;
  cpu: CpuUse;
  loadAverage: number[];
}

/** The share of 50 ms slots, between the first and the last response, in which any response arrived. */
function busyShare(times: readonly number[]): number {
  const first = times[0];
  const last = times[times.length - 1];
  if (first === undefined || last === undefined || last - first < 1000) return Number.NaN;
  const slots = new Set(times.map((time) => Math.floor((time - first) / 50)));
  return round(slots.size / (Math.floor((last - first) / 50) + 1), 2);
}

export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  const latencies: number[] = [];
  const arrivals: number[] = [];
  let non2xx = 0;
  const stopMeter = meterCpu(options.pids);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        headers: options.headers,
        connections: options.connections,
        pipelining: 1,
        duration: options.durationS,
        ...(options.overallRate ? { overallRate: options.overallRate } : {}),
      },
      (error: unknown, done) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done),
    );
    instance.on('response', (_client, status, _bytes, responseTime) => {
      if (status >= 200 && status < 300) {
        latencies.push(responseTime);
        arrivals.push(performance.now());
      } else non2xx++;
    });
  });
  return {
    rps: round(latencies.length / result.duration, 1),
    latency: summarize(latencies),
    non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    busyShare: busyShare(arrivals),
    cpu: stopMeter(),
    loadAverage: loadAverage(),
  };
}
