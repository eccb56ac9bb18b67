/**
 * `npm run bench [-- options]`: the proxy, forward-auth, confirmation and memory benchmarks. Each writes its raw
 * numbers to bench/results/<UTC date>-<name>.json and prints a table; docs/benchmarks.md explains
 * them. Benchmarks are not tests: nothing here passes or fails on speed.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { confirmBenchmark, confirmTable } from './confirm.js';
import { forwardAuthBenchmark, forwardAuthTable } from './forward-auth.js';
import { describeMachine, loadAverage, log, writeResults, type BenchOptions } from './lib.js';
import { memoryBenchmark, memoryTable } from './memory.js';
import { proxyBenchmark, proxyTable } from './proxy.js';
import { compile, createWorkspace, pinLoadGenerator, pinning, pinServer } from './services.js';
import { openBenchRedis, postgresVersion, redisVersion } from './stores.js';
import { postgresAnswers, redisAnswers, startPostgres, startRedis } from '../test/helpers/services.js';

const USAGE = `usage: npm run bench -- [options]

  --only NAMES      proxy, forward-auth, confirm, memory, or a comma-separated list
                    (default: proxy, confirm, memory)
  --duration S      seconds per measurement (default 5)
  --repeats N       interleaved rounds of the proxy measurements; medians are reported (default 5)
  --connections N   connections of the load generator at saturation (default 10)
  --sessions N      active sessions for the memory benchmark (default 10000)
  --profile         also record a CPU profile of the gateway during one proxy saturation run
  --with-defaults   also measure a bare proxy on http-proxy-3's defaults, which opens a connection
                    per request: tens of thousands of sockets left in TIME_WAIT slow the machine's
                    network for the other measurements, and its ports run out
  --keep            keep the temporary workspace (configs, logs, profile) and print where it is
  --build DIR       run this compiled tree instead of compiling (the build/ of a kept workspace,
                    perhaps changed to try something); results then say so
  --label WORD      appended to the result file names, e.g. for a run with --build
  --no-pin          do not pin: by default, on two CPUs or more, the load generator (this
                    process) runs on CPU 0 and everything it measures on the others (taskset)

environment:
  STEPGATE_BENCH_REDIS_URL     a Redis database of its own, never 0; unset: redis://127.0.0.1:6379/11
                               when a Redis answers there, else a redis-server started for the run
  STEPGATE_BENCH_POSTGRES_URL  where to create and drop a throwaway database; unset:
                               postgres://postgres@127.0.0.1:5432/postgres when it answers, else a
                               throwaway cluster started for the run (only for confirm)
  STEPGATE_BENCH_NGINX         nginx for forward-auth (default /usr/sbin/nginx)`;

const BENCHMARKS = {
  proxy: { run: proxyBenchmark, table: proxyTable },
  'forward-auth': { run: forwardAuthBenchmark, table: forwardAuthTable },
  confirm: { run: confirmBenchmark, table: confirmTable },
  memory: { run: memoryBenchmark, table: memoryTable },
} as const;

type Name = keyof typeof BENCHMARKS;

/** A mistake in the command line: said in one line, without a stack trace. */
class UsageError extends Error {}

function isName(name: string): name is Name {
  return Object.hasOwn(BENCHMARKS, name);
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`--${name} must be a positive number, not '${text}'`);
  return value;
}

interface Invocation {
  names: Name[];
  pin: boolean;
  options: BenchOptions;
  keep: boolean;
  build: string | undefined;
  label: string | undefined;
}

function parseOptions(argv: string[]): Invocation | undefined {
  const { values } = parseArgs({
    args: argv,
    allowNegative: true,
    options: {
      only: { type: 'string' },
      duration: { type: 'string' },
      repeats: { type: 'string' },
      connections: { type: 'string' },
      sessions: { type: 'string' },
      profile: { type: 'boolean' },
      'with-defaults': { type: 'boolean' },
      keep: { type: 'boolean' },
      build: { type: 'string' },
      label: { type: 'string' },
      pin: { type: 'boolean', default: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  if (values.label !== undefined && !/^[a-z0-9-]+$/.test(values.label)) {
    throw new UsageError(`--label must be lowercase letters, digits and '-', not '${values.label}'`);
  }
  const names = (values.only ?? 'proxy,confirm,memory').split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !isName(name));
  if (unknown.length > 0) throw new UsageError(`--only: unknown benchmark '${unknown.join(', ')}'`);
  return {
    names: names.filter(isName),
    keep: values.keep ?? false,
    build: values.build === undefined ? undefined : resolve(values.build),
    label: values.label,
    options: {
      durationS: positive('duration', values.duration, 5),
      repeats: Math.round(positive('repeats', values.repeats, 5)),
      connections: Math.round(positive('connections', values.connections, 10)),
      sessions: Math.round(positive('sessions', values.sessions, 10_000)),
      profile: values.profile ?? false,
      withDefaults: values['with-defaults'] ?? false,
      redisUrl: process.env.STEPGATE_BENCH_REDIS_URL ?? DEFAULT_REDIS_URL,
      postgresAdminUrl: process.env.STEPGATE_BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL,
    },
    pin: (values.pin ?? true) && availableParallelism() >= 2,
  };
}

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/11';
const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Redis and, for the confirmation benchmark, PostgreSQL: the configured ones, or those on the
 * default ports when they answer, or servers of the run's own (on the servers' CPUs when pinned).
 */
async function startPeers(options: BenchOptions, names: readonly Name[]) {
  const started: { stop(): Promise<void> }[] = [];
  if (process.env.STEPGATE_BENCH_REDIS_URL === undefined && !(await redisAnswers(options.redisUrl))) {
    const redis = await startRedis();
    started.push(redis);
    const pid = redis.pid();
    if (pid !== undefined) pinServer(pid);
    options.redisUrl = `${redis.url}/11`;
    log(`started redis-server for this run: ${redis.url}`);
  }
  const needsPostgres = names.includes('confirm');
  if (
    needsPostgres &&
    process.env.STEPGATE_BENCH_POSTGRES_URL === undefined &&
    !(await postgresAnswers(options.postgresAdminUrl))
  ) {
    const postgres = await startPostgres();
    started.push(postgres);
    options.postgresAdminUrl = postgres.url;
    log(`started PostgreSQL for this run: ${postgres.url}`);
  }
  const redis = await openBenchRedis(options.redisUrl);
  try {
    const versions = {
      redis: await redisVersion(redis),
      ...(needsPostgres && { postgres: await postgresVersion(options.postgresAdminUrl) }),
    };
    return { versions, stop: () => Promise.all(started.map((server) => server.stop())) };
  } finally {
    await redis.close();
  }
}

async function main(): Promise<void> {
  const parsed = parseOptions(process.argv.slice(2));
  if (!parsed) return void process.stdout.write(`${USAGE}\n`);
  const { names, options, keep, build, label } = parsed;
  const described = describeMachine(); // before pinning, which leaves this process one CPU
  if (parsed.pin) pinLoadGenerator(0, `1-${described.cpus - 1}`);
  const peers = await startPeers(options, names);
  const machine = { ...described, peers: peers.versions, pinning: pinning() };
  log(`machine: ${JSON.stringify(machine)}; load average ${loadAverage().join(' ')}`);

  const workspace = createWorkspace(build);
  let removed = false;
  const cleanUp = () => {
    if (keep || removed) return;
    workspace.remove();
    removed = true;
  };
  process.once('SIGINT', () => {
    cleanUp();
    process.exit(130);
  });
  try {
    if (build) log(`running the compiled tree in ${build}, not the sources`);
    else await compile(workspace);
    for (const name of names) {
      const startedAt = new Date();
      const loadAtStart = loadAverage();
      log(`${name}: starting`);
      const benchmark = BENCHMARKS[name];
      const result = await benchmark.run(workspace, options);
      const record = {
        name,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        machine,
        loadAverage: { start: loadAtStart, end: loadAverage() },
        options,
        ...(build && { build }),
        ...(label && { label }),
        ...result,
      };
      const path = writeResults(label ? `${name}-${label}` : name, startedAt, record);
      // The table's type follows the benchmark's; TypeScript cannot pair them through the union.
      const text = (benchmark.table as (result: unknown) => string)(result);
      process.stdout.write(
        `\n== ${name} (load average ${loadAtStart.join(' ')} -> ${record.loadAverage.end.join(' ')})\n${text}\n`,
      );
      process.stdout.write(`written to ${path}\n\n`);
    }
  } finally {
    if (keep) log(`workspace kept in ${workspace.dir}`);
    cleanUp();
    await peers.stop();
  }
}

main().catch((error: unknown) => {
  const usage =
    error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  const text =
    error instanceof Error ? (usage ? error.message : (error.stack ?? error.message)) : String(error);
  process.stderr.write(`bench: ${text}${usage ? ' (try --help)' : ''}\n`);
  process.exitCode = usage ? 2 : 1;
});
