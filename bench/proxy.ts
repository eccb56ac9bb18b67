/**
 * Proxy overhead: the same tiny upstream reached straight, through two bare Node proxies (no
 * sign-in, no session, connections to the upstream kept open): http-proxy-3 on Node's http client
 * with a keep-alive agent, the baseline of the goals, and undici's connection pool, the client
 * stepgate's proxy uses; and through stepgate with a confirmed session (Redis sessions, as a fleet
 * runs it). Two more references say where differences come from: stepgate with in-memory sessions
 * (no Redis round trips), and the bare proxy on http-proxy-3's defaults, which open an upstream
 * connection per request and close the client's connection after every response.
 *
 * Phases, each interleaved across targets round by round. In every round and phase the targets of
 * the goals, the two bare proxies and stepgate, are measured back to back (in an order that rotates),
 * so that the shared machine speeding up or slowing down between measurements touches them alike;
 * the other targets follow in an order that also rotates every round:
 *   1. saturation: `connections` connections, one request in flight on each, as fast as possible;
 *   2. half of saturation: autocannon `overallRate` at half of each target's median saturation rate;
 *   3. one connection: one request at a time, the latency a single client sees on an idle proxy.
 * Summaries and ratios are in proxy-summary.ts.
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
import { log, median, type BenchOptions } from './lib.js';
import { runLoad } from './load.js';
import { monotonicMicros, summarizeProfile, type ProfileSummary } from './profile.js';
import { pick, summarizeProxy, type Measurement, type Phase, type Target } from './proxy-summary.js';
import {
  startBareProxy,
  startBareUndiciProxy,
  startUpstream,
  type Service,
  type Workspace,
} from './services.js';
import { openBenchRedis } from './stores.js';

const PATH = '/bench/item?id=42';
/**
 * Requests each target serves before anything is measured. V8 optimises a function only after
 * many calls, and one request of stepgate calls many functions once: its CPU per request halves
 * over its first few thousand requests. Counting seconds would warm the fast targets far more.
 */
const WARM_UP_REQUESTS = 10_000;

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
    // As in production (config/stepgate.production.yaml): Redis sessions are sealed with it.
    encryptionKey: Buffer.alloc(32, 7).toString('base64'),
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

const COMPARED: readonly string[] = ['bare', 'stepgate', 'bare-undici'];

/** The order of one round: the compared targets back to back, rotating; then the rest, rotating. */
function roundOrder(targets: readonly Target[], round: number): Target[] {
  const compared = targets.filter((target) => COMPARED.includes(target.id));
  const rest = targets.filter((target) => !compared.includes(target));
  return [...rotated(compared, round), ...rotated(rest, round)];
}

/** WARM_UP_REQUESTS requests to `target`, measured by nobody. */
function warmUp(target: Target, options: BenchOptions) {
  return runLoad({
    url: `${target.url}${PATH}`,
    headers: target.headers,
    connections: options.connections,
    durationS: 600,
    amount: WARM_UP_REQUESTS,
    processes: {},
  });
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
    processes: target.processes,
  });
  const failed = run.non2xx + run.errors;
  if (failed > Math.max(10, run.latency.count * 0.001)) {
    const problem = `${target.label}: ${run.non2xx} non-2xx answers and ${run.errors} errors in one run`;
    // A connection per request runs short of ports now and then; that reference is only a reference.
    if (target.id !== 'bare-defaults') throw new Error(problem);
    log(`warning: ${problem} (counted in its results)`);
  }
  log(
    `${phase.padEnd(10)} ${target.id.padEnd(15)} ${String(run.rps).padStart(8)} req/s  ` +
      `p50 ${run.latency.p50} ms  p99 ${run.latency.p99} ms  ` +
      `CPU ${run.cpuUsPerRequest.server ?? '-'} us/req  others ${run.cpu.otherCores} cores`,
  );
  return { ...run, round, phase, target: target.id, ...(rate ? { offeredRate: rate } : {}) };
}

/** A CPU profile of the Redis-session gateway during one saturation run (not counted in the results). */
async function profileGateway(
  workspace: Workspace,
  upstream: Service,
  options: BenchOptions,
  hash: string,
): Promise<ProfileSummary> {
  const dir = join(workspace.dir, 'profile');
  const window = { fromUs: 0, toUs: 0 };
  const gateway = await startGateway(workspace, {
    ...gatewayOptions(upstream.url, 'redis', options.redisUrl, hash),
    name: 'proxy-profiled',
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', 'stepgate.cpuprofile'],
  });
  try {
    const target: Target = {
      id: 'stepgate',
      label: 'stepgate (profiled)',
      url: gateway.url,
      headers: { cookie: await signedInCookie(gateway) },
      processes: { server: gateway.pid, upstream: upstream.pid },
    };
    await warmUp(target, options);
    window.fromUs = monotonicMicros();
    await measure(target, 'saturation', -1, options);
    window.toUs = monotonicMicros();
  } finally {
    await gateway.stop(); // the profile is written as the process exits
  }
  return summarizeProfile(join(dir, 'stepgate.cpuprofile'), window);
}

async function startTargets(workspace: Workspace, options: BenchOptions, redisPid: number | undefined) {
  const services: Service[] = [];
  const started = <T extends Service>(service: T): T => {
    services.push(service);
    return service;
  };
  try {
    const hash = await passwordHash(CHEAP_HASH_COST);
    const upstream = started(await startUpstream(workspace));
    const bare = started(await startBareProxy(workspace, upstream.url, { keepAlive: true }));
    const bareUndici = started(await startBareUndiciProxy(workspace, upstream.url));
    const bareDefaults = options.withDefaults
      ? started(await startBareProxy(workspace, upstream.url, { keepAlive: false }))
      : undefined;
    const viaRedis = started(
      await startGateway(workspace, gatewayOptions(upstream.url, 'redis', options.redisUrl, hash)),
    );
    const inMemory = started(
      await startGateway(workspace, gatewayOptions(upstream.url, 'memory', options.redisUrl, hash)),
    );
    const behind = (server: Service) => ({ server: server.pid, upstream: upstream.pid });
    const targets: Target[] = [
      {
        id: 'straight',
        label: 'straight to the upstream',
        url: upstream.url,
        processes: { server: upstream.pid },
      },
      { id: 'bare', label: 'bare http-proxy-3', url: bare.url, processes: behind(bare) },
      { id: 'bare-undici', label: 'bare undici Pool', url: bareUndici.url, processes: behind(bareUndici) },
      {
        id: 'stepgate',
        label: 'stepgate, Redis sessions',
        url: viaRedis.url,
        headers: { cookie: await signedInCookie(viaRedis) },
        processes: { ...behind(viaRedis), ...(redisPid && { redis: redisPid }) },
      },
      {
        id: 'stepgate-memory',
        label: 'stepgate, memory sessions',
        url: inMemory.url,
        headers: { cookie: await signedInCookie(inMemory) },
        processes: behind(inMemory),
      },
    ];
    if (bareDefaults) {
      targets.push({
        id: 'bare-defaults',
        label: 'bare, http-proxy-3 defaults',
        url: bareDefaults.url,
        processes: behind(bareDefaults),
      });
    }
    for (const target of targets) await checkTarget(target);
    return { targets, services, upstream, hash };
  } catch (error) {
    for (const service of services.reverse()) await service.stop();
    throw error;
  }
}

export async function proxyBenchmark(workspace: Workspace, options: BenchOptions) {
  const redis = await openBenchRedis(options.redisUrl);
  await redis.clear();
  try {
    const { targets, services, upstream, hash } = await startTargets(
      workspace,
      options,
      await redis.serverPid(),
    );
    try {
      log(`warming up: ${WARM_UP_REQUESTS} requests to each target, all at once`);
      await Promise.all(targets.map((target) => warmUp(target, options)));
      const measurements: Measurement[] = [];
      for (let round = 0; round < options.repeats; round++) {
        for (const target of roundOrder(targets, round)) {
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
        for (const target of roundOrder(targets, round)) {
          const rate = Math.max(1, Math.round((saturation.get(target.id) ?? 0) / 2));
          measurements.push(await measure(target, 'half', round, options, rate));
        }
        for (const target of roundOrder(targets, round)) {
          measurements.push(await measure(target, 'single', round, options));
        }
      }
      const profile = options.profile ? await profileGateway(workspace, upstream, options, hash) : undefined;
      return {
        targets: targets.map(({ id, label, processes }) => ({
          id,
          label,
          processes: Object.keys(processes),
        })),
        ...summarizeProxy(targets, measurements, options.repeats),
        profile,
        measurements,
      };
    } finally {
      for (const service of services.reverse()) await service.stop();
    }
  } finally {
    await redis.clear();
    await redis.close();
  }
}

export { proxyTable } from './proxy-summary.js';
