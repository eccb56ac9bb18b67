/**
 * One load-generator run with autocannon, in this process.
 *
 * Latencies are taken from autocannon's 'response' events, which carry the exact time of each
 * request, and not from its summary: the summary's histogram counts whole milliseconds, too
 * coarse for a loopback proxy whose median is well under one.
 *
 * A fixed rate (`overallRate`) is not autocannon's own: that one does not space requests evenly
 * (each connection sends its share of the second as fast as it can, then waits for the next
 * second), which measures bursts at saturation rather than a steady load. paceRequests() spaces
 * them instead. `busyShare` says how much of the run responses were arriving: near 1 either way.
 *
 * A server that answers `Connection: close` (http-proxy-3 without an agent does) needs one fix:
 * see reconnectOnClose.
 */
import autocannon from 'autocannon';
import {
  loadAverage,
  meterCpu,
  meterProcesses,
  round,
  summarize,
  type CpuUse,
  type LatencySummary,
} from './lib.js';

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  durationS: number;
  /** Stop after this many requests instead (the warm-up). */
  amount?: number;
  /** Requests per second across all connections, evenly spaced; unset: as fast as responses come back. */
  overallRate?: number;
  /**
   * The processes serving the requests by role ('server' is the one in front); each one's CPU
   * time and run-queue wait per request are reported, the load generator's too.
   */
  processes: Record<string, number>;
}

export interface LoadRun {
  /** 2xx responses per second. */
  rps: number;
  latency: LatencySummary;
  /** Connections the load generator opened per response: about 1 when the server closes each one. */
  connectionsPerRequest: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  busyShare: number;
  /** Microseconds per 2xx response, by role: on a CPU, and runnable but waiting for one. */
  cpuUsPerRequest: Record<string, number>;
  waitUsPerRequest: Record<string, number>;
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

/**
 * autocannon writes the next request as soon as a response ends, even when the server said it
 * closes the connection: that request dies with the connection, stays first in autocannon's
 * queue, and every later latency is measured from the wrong request. This holds the next request
 * until autocannon has opened its new connection, as a browser would; connecting counts in the
 * latency. It reaches into autocannon's client (v9), so it checks that the parts are there.
 */
function reconnectOnClose(client: autocannon.Client, onConnect: () => void): void {
  const internals = client as unknown as { _doRequest?: () => void; _connect?: () => void };
  const { _doRequest: doRequest, _connect: connect } = internals;
  if (typeof doRequest !== 'function' || typeof connect !== 'function') {
    throw new Error('autocannon changed: bench/load.ts reconnectOnClose needs updating');
  }
  let closing = false;
  client.on('headers', (info: unknown) => {
    if ((info as { shouldKeepAlive?: boolean }).shouldKeepAlive === false) closing = true;
  });
  internals._doRequest = () => {
    if (!closing) doRequest.call(client);
  };
  internals._connect = () => {
    closing = false;
    onConnect();
    connect.call(client);
  };
}

/**
 * Connection `index` of `connections` sends its n-th request at start + (index + n × connections)
 * / rate seconds, so all of them together send one request every 1/rate s, evenly; one that is
 * due while the previous answer is still awaited goes as soon as that answer is in. Timers fire
 * on whole milliseconds, so a request goes up to a millisecond late, never early, and the
 * schedule does not drift. Latencies still run from when each request was written.
 */
function paceRequests(client: autocannon.Client, index: number, connections: number, rate: number): void {
  const internals = client as unknown as { _doRequest?: () => void };
  const { _doRequest: doRequest } = internals;
  if (typeof doRequest !== 'function')
    throw new Error('autocannon changed: bench/load.ts paceRequests needs updating');
  const start = performance.now();
  const spacing = (1000 * connections) / rate;
  let sent = 0;
  internals._doRequest = () => {
    const due = start + (1000 * index) / rate + sent * spacing;
    sent++;
    const wait = due - performance.now();
    if (wait <= 0) doRequest.call(client);
    else setTimeout(() => doRequest.call(client), Math.ceil(wait));
  };
}

export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  const latencies: number[] = [];
  const arrivals: number[] = [];
  let non2xx = 0;
  let connects = 0;
  let clients = 0;
  const processes = { ...options.processes, 'load generator': process.pid };
  const stopMeter = meterCpu(Object.values(options.processes));
  const stopTimes = meterProcesses(processes);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        headers: options.headers,
        connections: options.connections,
        pipelining: 1,
        setupClient: (client) => {
          reconnectOnClose(client, () => connects++);
          const rate = options.overallRate;
          if (rate) paceRequests(client, clients++, options.connections, rate);
        },
        duration: options.durationS,
        ...(options.amount ? { amount: options.amount } : {}),
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
  const times = Object.entries(stopTimes());
  const perRequest = (ms: number) => round((ms * 1000) / Math.max(1, latencies.length), 1);
  return {
    rps: round(latencies.length / result.duration, 1),
    latency: summarize(latencies),
    connectionsPerRequest: round(connects / Math.max(1, latencies.length + non2xx), 3),
    non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    busyShare: busyShare(arrivals),
    cpuUsPerRequest: Object.fromEntries(times.map(([role, time]) => [role, perRequest(time.cpuMs)])),
    waitUsPerRequest: Object.fromEntries(times.map(([role, time]) => [role, perRequest(time.waitMs)])),
    cpu: stopMeter(),
    loadAverage: loadAverage(),
  };
}
