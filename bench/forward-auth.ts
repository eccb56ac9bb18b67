/**
 * Forward-auth: what it costs to let nginx do the proxying and ask stepgate, per request, whether
 * the request may go through (nginx `auth_request` to `/_stepgate/authz/auth-request`), against
 * nginx alone, stepgate's own proxy and the bare Node proxies. The same upstream behind all:
 *
 * - `upstream`: the upstream straight, for scale;
 * - `nginx`: nginx straight to the upstream, the baseline of the goals;
 * - `nginx-auth`: nginx asking stepgate on every request, no caching;
 * - `nginx-auth-cache`: the same with the answers kept for CACHE_SECONDS in nginx's proxy_cache,
 *   keyed by the session cookie (and the host): a session ended in stepgate still passes nginx
 *   for up to that long, from the cached answer;
 * - `nginx-floor`, `nginx-floor-cache`: the same two with a bare Node verifier in stepgate's place
 *   (bench/servers/bare-verifier.ts, 200 to every question, checking nothing): the floor, what
 *   asking any Node process per request costs nginx's way;
 * - `stepgate`: stepgate's own proxy;
 * - `bare`, `bare-undici`: the bare Node proxies of the proxy benchmark.
 *
 * The nginx + stepgate targets run docs/forward-auth/nginx.conf itself, placeholders filled as
 * its test fills them (the cached one with the cache directives added to it); nginx straight runs
 * the same settings without stepgate. Each nginx is one process (no master: the process started
 * does the worker's work, so its CPU time is nginx's). One stepgate process (Redis sessions,
 * sealed, as a fleet runs it; nginx on loopback is its trusted proxy) answers both as a proxy and
 * as nginx's verifier. Saturation only: `connections` connections, one request in flight on each,
 * for `duration` seconds, every target once per round in an order that rotates round by round.
 * CPU per request is summed over the processes in front of the upstream (nginx, stepgate, Redis).
 *
 * Needs nginx (STEPGATE_BENCH_NGINX, default /usr/sbin/nginx). A tree without the verification
 * endpoint is measured without the two nginx + stepgate targets, and says so.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchUsers, CHEAP_HASH_COST, GatewayClient, passwordHash, startGateway } from './gateway.js';
import { log, median, round, table, type BenchOptions } from './lib.js';
import { runLoad, type LoadRun } from './load.js';
import {
  freePort,
  startBareProxy,
  startBareUndiciProxy,
  startBareVerifier,
  startService,
  startUpstream,
  type Service,
  type Workspace,
} from './services.js';
import { openBenchRedis } from './stores.js';
import { fillTemplate, verifyCacheSeconds, withVerificationCache } from '../test/helpers/proxies.js';

const PATH = '/bench/item?id=42';
const WARM_UP_REQUESTS = 10_000;
/**
 * How long nginx keeps a verification answer in the cached variant (docs/forward-auth/
 * nginx-verify-cache.conf says): the revocation delay it buys.
 */
export const CACHE_SECONDS = verifyCacheSeconds();
const AUTH_REQUEST_PATH = '/_stepgate/authz/auth-request';
/** The cookie name docs/forward-auth/nginx.conf keeps from the application. */
const SESSION_COOKIE = 'stepgate_session';
export const GOALS = { withoutCache: 0.4, withCache: 0.85 };

type TargetId =
  | 'upstream'
  | 'nginx'
  | 'nginx-auth'
  | 'nginx-auth-cache'
  | 'nginx-floor'
  | 'nginx-floor-cache'
  | 'stepgate'
  | 'bare'
  | 'bare-undici';

interface Target {
  id: TargetId;
  label: string;
  url: string;
  headers?: Record<string, string>;
  /** By role; every role but 'upstream' counts as the cost of what is in front of the upstream. */
  processes: Record<string, number>;
  /** The upstream must see this X-Stepgate-User (the nginx + stepgate targets). */
  user?: string;
}

interface Measurement extends LoadRun {
  round: number;
  target: TargetId;
}

/**
 * nginx straight to the upstream: the documented file's settings that are not about stepgate
 * (one worker, an access log, keep-alive connections to the upstream), and nothing else.
 */
function straightConfig(runDir: string, listen: string, app: string): string {
  return `worker_processes 1;
pid ${runDir}/nginx.pid;
error_log ${runDir}/error.log warn;
events { worker_connections 256; }
http {
    access_log ${runDir}/access.log;
    client_body_temp_path ${runDir}/client_body;
    proxy_temp_path ${runDir}/proxy;
    fastcgi_temp_path ${runDir}/fastcgi;
    uwsgi_temp_path ${runDir}/uwsgi;
    scgi_temp_path ${runDir}/scgi;
    upstream app { server ${app}; keepalive 16; }
    server {
        listen ${listen};
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
        }
    }
}
`;
}

type NginxKind = 'straight' | 'auth' | 'cached';

/** One nginx process (no master, one worker's work in the process started) with its own directory. */
async function startNginx(
  workspace: Workspace,
  kind: NginxKind,
  upstream: string,
  gateway: string,
  name: string = kind,
): Promise<Service> {
  const nginx = process.env.STEPGATE_BENCH_NGINX ?? '/usr/sbin/nginx';
  if (!existsSync(nginx)) {
    throw new Error(
      `forward-auth needs nginx at ${nginx} (apt-get install nginx, or set STEPGATE_BENCH_NGINX)`,
    );
  }
  const runDir = join(workspace.dir, `nginx-${name}`);
  mkdirSync(runDir, { recursive: true });
  const listen = `127.0.0.1:${await freePort()}`;
  const app = new URL(upstream).host;
  const documented = () =>
    fillTemplate('nginx.conf', { run_dir: runDir, listen, stepgate: new URL(gateway).host, app });
  const text =
    kind === 'straight'
      ? straightConfig(runDir, listen, app)
      : kind === 'auth'
        ? documented()
        : withVerificationCache(documented(), runDir);
  const config = join(runDir, 'nginx.conf');
  writeFileSync(config, text);
  const url = `http://${listen}`;
  return startService({
    name: `nginx (${name})`,
    url,
    // The upstream's /bench/whoami answers 200 whoever asks; with auth_request, nginx asks
    // stepgate first, which lets nobody through without the cookie: then it is the upstream.
    readyUrl: kind === 'straight' ? `${url}${PATH}` : `${url}/_stepgate/healthz`,
    command: nginx,
    args: [
      '-p',
      runDir,
      '-c',
      config,
      '-e',
      join(runDir, 'error.log'),
      '-g',
      'daemon off; master_process off;',
    ],
    cwd: runDir,
    logFile: join(runDir, 'nginx.log'),
  });
}

/** Whether this tree answers nginx's auth_request; a 404 means the endpoint is not there. */
async function hasAuthRequest(gatewayUrl: string, cookie: string): Promise<boolean> {
  const response = await fetch(`${gatewayUrl}${AUTH_REQUEST_PATH}`, {
    headers: { cookie, 'x-original-url': `${gatewayUrl}${PATH}` },
    redirect: 'manual',
  });
  await response.arrayBuffer();
  if (response.status === 404) return false;
  if (response.status !== 200) throw new Error(`${AUTH_REQUEST_PATH} answered ${response.status}`);
  return true;
}

/** Every target answers the upstream's body with 200, and the nginx + stepgate ones name the user. */
async function checkTarget(target: Target): Promise<void> {
  const response = await fetch(`${target.url}${PATH}`, { headers: target.headers, redirect: 'manual' });
  const body = await response.text();
  if (response.status !== 200 || !body.includes('"ok"')) {
    throw new Error(`${target.label} answered ${response.status} ${body.slice(0, 200)}`);
  }
  if (target.user === undefined) return;
  const whoami = await fetch(`${target.url}/bench/whoami`, { headers: target.headers });
  const seen = ((await whoami.json()) as { user?: string }).user;
  if (seen !== target.user)
    throw new Error(`${target.label}: the upstream saw user ${seen}, not ${target.user}`);
}

function run(target: Target, options: BenchOptions, amount?: number) {
  return runLoad({
    url: `${target.url}${PATH}`,
    headers: target.headers,
    connections: options.connections,
    durationS: amount ? 600 : options.durationS,
    ...(amount && { amount }),
    processes: amount ? {} : target.processes,
  });
}

function rotated<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** Microseconds of CPU per request of everything in front of the upstream. */
function frontCpu(m: LoadRun): number {
  return Object.entries(m.cpuUsPerRequest)
    .filter(([role]) => role !== 'upstream' && role !== 'load generator')
    .reduce((sum, [, value]) => sum + value, 0);
}

export async function forwardAuthBenchmark(workspace: Workspace, options: BenchOptions) {
  const redis = await openBenchRedis(options.redisUrl);
  await redis.clear();
  const redisPid = await redis.serverPid();
  const services: Service[] = [];
  const started = <T extends Service>(service: T): T => {
    services.push(service);
    return service;
  };
  try {
    const upstream = started(await startUpstream(workspace));
    const gateway = started(
      await startGateway(workspace, {
        name: 'forward-auth',
        upstreamUrl: upstream.url,
        policy: 'confirm_always',
        sessions: { store: 'redis', url: options.redisUrl },
        store: { type: 'sqlite' },
        encryptionKey: Buffer.alloc(32, 7).toString('base64'),
        users: benchUsers('bench', 1, await passwordHash(CHEAP_HASH_COST)),
        server: { trusted_proxies: ['127.0.0.1/32'] },
        cookieName: SESSION_COOKIE,
      }),
    );
    const cookie = await new GatewayClient(gateway).confirmedSession('bench00001');
    const headers = { cookie };
    const withRedis: Record<string, number> = redisPid ? { redis: redisPid } : {};
    const bare = started(await startBareProxy(workspace, upstream.url, { keepAlive: true }));
    const bareUndici = started(await startBareUndiciProxy(workspace, upstream.url));
    const nginx = started(await startNginx(workspace, 'straight', upstream.url, gateway.url));
    const behind = (server: Service) => ({ server: server.pid, upstream: upstream.pid });
    const targets: Target[] = [
      {
        id: 'upstream',
        label: 'upstream straight',
        url: upstream.url,
        processes: { upstream: upstream.pid },
      },
      { id: 'nginx', label: 'nginx straight', url: nginx.url, processes: behind(nginx) },
      {
        id: 'stepgate',
        label: "stepgate's own proxy",
        url: gateway.url,
        headers,
        processes: { ...behind(gateway), ...withRedis },
      },
      { id: 'bare', label: 'bare http-proxy-3', url: bare.url, processes: behind(bare) },
      { id: 'bare-undici', label: 'bare undici Pool', url: bareUndici.url, processes: behind(bareUndici) },
    ];
    const floor = started(await startBareVerifier(workspace, 'bench00001'));
    const floorAuth = started(await startNginx(workspace, 'auth', upstream.url, floor.url, 'floor'));
    const floorCached = started(
      await startNginx(workspace, 'cached', upstream.url, floor.url, 'floor-cached'),
    );
    const viaFloor = (front: Service) => ({ ...behind(front), verifier: floor.pid });
    targets.push(
      {
        id: 'nginx-floor',
        label: 'nginx + bare verifier',
        url: floorAuth.url,
        headers,
        processes: viaFloor(floorAuth),
        user: 'bench00001',
      },
      {
        id: 'nginx-floor-cache',
        label: `nginx + bare verifier, ${CACHE_SECONDS} s cache`,
        url: floorCached.url,
        headers,
        processes: viaFloor(floorCached),
        user: 'bench00001',
      },
    );
    const endpoint = await hasAuthRequest(gateway.url, cookie);
    if (endpoint) {
      const auth = started(await startNginx(workspace, 'auth', upstream.url, gateway.url));
      const cached = started(await startNginx(workspace, 'cached', upstream.url, gateway.url));
      const via = (front: Service) => ({ ...behind(front), gateway: gateway.pid, ...withRedis });
      targets.push(
        {
          id: 'nginx-auth',
          label: 'nginx + stepgate auth_request',
          url: auth.url,
          headers,
          processes: via(auth),
          user: 'bench00001',
        },
        {
          id: 'nginx-auth-cache',
          label: `nginx + stepgate, ${CACHE_SECONDS} s cache`,
          url: cached.url,
          headers,
          processes: via(cached),
          user: 'bench00001',
        },
      );
    } else {
      log(`this tree has no ${AUTH_REQUEST_PATH} (404): the nginx + stepgate targets are left out`);
    }
    for (const target of targets) await checkTarget(target);

    log(`warming up: ${WARM_UP_REQUESTS} requests to each target`);
    for (const target of targets) await run(target, options, WARM_UP_REQUESTS);
    const measurements: Measurement[] = [];
    for (let index = 0; index < options.repeats; index++) {
      for (const target of rotated(targets, index)) {
        const result = await run(target, options);
        if (result.non2xx + result.errors > Math.max(10, result.latency.count * 0.001)) {
          throw new Error(`${target.label}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
        }
        log(
          `${target.id.padEnd(17)} ${String(result.rps).padStart(8)} req/s  p99 ${result.latency.p99} ms  ` +
            `CPU in front ${round(frontCpu(result), 1)} us/req  others ${result.cpu.otherCores} cores`,
        );
        measurements.push({ ...result, round: index, target: target.id });
      }
    }
    return {
      endpoint,
      cacheSeconds: CACHE_SECONDS,
      ...summarize(targets, measurements, options.repeats),
      measurements,
    };
  } finally {
    for (const service of services.reverse()) await service.stop();
    await redis.clear();
    await redis.close();
  }
}

interface Spread {
  median: number;
  min: number;
  max: number;
}

function summarize(targets: readonly Target[], measurements: readonly Measurement[], repeats: number) {
  const of = (id: TargetId) => measurements.filter((m) => m.target === id);
  const med = (values: number[]) => round(median(values));
  const perTarget = targets.map((target) => {
    const runs = of(target.id);
    return {
      target: target.id,
      label: target.label,
      rps: med(runs.map((m) => m.rps)),
      rpsMin: round(Math.min(...runs.map((m) => m.rps))),
      rpsMax: round(Math.max(...runs.map((m) => m.rps))),
      p50Ms: med(runs.map((m) => m.latency.p50)),
      p99Ms: med(runs.map((m) => m.latency.p99)),
      frontCpuUsPerRequest: med(runs.map(frontCpu)),
      cpuUsPerRequest: Object.fromEntries(
        Object.keys(runs[0]?.cpuUsPerRequest ?? {}).map((role) => [
          role,
          med(runs.map((m) => m.cpuUsPerRequest[role] ?? Number.NaN)),
        ]),
      ),
      otherCores: med(runs.map((m) => m.cpu.otherCores)),
    };
  });
  /** Throughput of `a` over `b` within each round; the median and the extremes of the rounds. */
  const ratio = (a: TargetId, b: TargetId, value: (m: Measurement) => number = (m) => m.rps): Spread => {
    const values: number[] = [];
    for (let index = 0; index < repeats; index++) {
      const x = measurements.find((m) => m.round === index && m.target === a);
      const y = measurements.find((m) => m.round === index && m.target === b);
      if (x && y) values.push(value(x) / value(y));
    }
    if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
    return {
      median: round(median(values)),
      min: round(Math.min(...values)),
      max: round(Math.max(...values)),
    };
  };
  const ratios = {
    nginxAuthToNginx: ratio('nginx-auth', 'nginx'),
    nginxAuthCacheToNginx: ratio('nginx-auth-cache', 'nginx'),
    stepgateToNginx: ratio('stepgate', 'nginx'),
    bareToNginx: ratio('bare', 'nginx'),
    bareUndiciToNginx: ratio('bare-undici', 'nginx'),
    nginxFloorToNginx: ratio('nginx-floor', 'nginx'),
    nginxFloorCacheToNginx: ratio('nginx-floor-cache', 'nginx'),
    nginxAuthToFloor: ratio('nginx-auth', 'nginx-floor'),
    nginxAuthCacheToFloorCache: ratio('nginx-auth-cache', 'nginx-floor-cache'),
    nginxToUpstream: ratio('nginx', 'upstream'),
    nginxAuthToStepgate: ratio('nginx-auth', 'stepgate'),
    stepgateToBare: ratio('stepgate', 'bare'),
  };
  const cpuRatios = {
    nginxAuthToNginx: ratio('nginx-auth', 'nginx', frontCpu),
    nginxAuthCacheToNginx: ratio('nginx-auth-cache', 'nginx', frontCpu),
    stepgateToNginx: ratio('stepgate', 'nginx', frontCpu),
    stepgateToBare: ratio('stepgate', 'bare', frontCpu),
  };
  const goal = (spread: Spread, at: number) => ({
    goal: `>= ${at}`,
    value: spread.median,
    reached: spread.median >= at,
  });
  return {
    perTarget,
    ratios,
    cpuRatios,
    goals: {
      withoutCache: goal(ratios.nginxAuthToNginx, GOALS.withoutCache),
      withCache: goal(ratios.nginxAuthCacheToNginx, GOALS.withCache),
    },
  };
}

export function forwardAuthTable(result: Awaited<ReturnType<typeof forwardAuthBenchmark>>): string {
  const rows = result.perTarget.map((t) => [
    t.label,
    t.rps,
    `${Math.round(t.rpsMin)}..${Math.round(t.rpsMax)}`,
    t.p50Ms,
    t.p99Ms,
    t.frontCpuUsPerRequest,
    t.cpuUsPerRequest['load generator'] ?? Number.NaN,
  ]);
  const spread = (s: Spread) => `${s.median} (${s.min}..${s.max})`;
  const verdict = (g: { goal: string; reached: boolean }) =>
    `goal ${g.goal}: ${g.reached ? 'reached' : 'NOT reached'}`;
  const { ratios, cpuRatios, goals } = result;
  return [
    table(['target', 'req/s', 'rounds', 'p50 ms', 'p99 ms', 'CPU us/req in front', 'load gen us/req'], rows),
    'medians of the rounds; CPU in front: every process between the load generator and the upstream',
    ...(result.endpoint ? [] : ['', `no ${AUTH_REQUEST_PATH} in this tree: nginx + stepgate not measured`]),
    '',
    `throughput nginx + stepgate / nginx:             ${spread(ratios.nginxAuthToNginx)}  ${verdict(goals.withoutCache)}`,
    `throughput nginx + stepgate cached / nginx:      ${spread(ratios.nginxAuthCacheToNginx)}  ${verdict(goals.withCache)}`,
    `throughput nginx + bare verifier / nginx:        ${spread(ratios.nginxFloorToNginx)}`,
    `throughput nginx + bare verifier cached / nginx: ${spread(ratios.nginxFloorCacheToNginx)}`,
    `throughput nginx + stepgate / + bare verifier:   ${spread(ratios.nginxAuthToFloor)}`,
    `the same, both cached:                           ${spread(ratios.nginxAuthCacheToFloorCache)}`,
    `throughput stepgate's proxy / nginx:             ${spread(ratios.stepgateToNginx)}`,
    `throughput bare http-proxy-3 / nginx:            ${spread(ratios.bareToNginx)}`,
    `throughput bare undici / nginx:                  ${spread(ratios.bareUndiciToNginx)}`,
    `throughput stepgate's proxy / bare http-proxy-3: ${spread(ratios.stepgateToBare)}`,
    `throughput nginx / upstream straight:            ${spread(ratios.nginxToUpstream)}`,
    `CPU in front, nginx + stepgate / nginx:          ${spread(cpuRatios.nginxAuthToNginx)}`,
    `CPU in front, nginx + stepgate cached / nginx:   ${spread(cpuRatios.nginxAuthCacheToNginx)}`,
    `CPU in front, stepgate's proxy / nginx:          ${spread(cpuRatios.stepgateToNginx)}`,
    `CPU in front, stepgate's proxy / bare:           ${spread(cpuRatios.stepgateToBare)}`,
  ].join('\n');
}
