/**
 * What every benchmark shares: statistics, the machine it ran on, how busy that machine was
 * meanwhile, tables and result files. Speed is only ever compared with a baseline measured in
 * the same run, because the machine is shared and its spare capacity changes by the minute.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const RESULTS_DIR = join(ROOT, 'bench', 'results');

/** What `npm run bench` was asked to do; each benchmark reads what applies to it. */
export interface BenchOptions {
  /** Seconds per measurement. */
  durationS: number;
  /** Rounds of interleaved measurements; medians are reported. */
  repeats: number;
  /** Concurrent connections of the load generator at saturation. */
  connections: number;
  /** Active sessions for the memory benchmark. */
  sessions: number;
  /** Record a CPU profile of the gateway during one saturation run. */
  profile: boolean;
  /** Also measure the bare proxy on http-proxy-3's defaults (a connection per request). */
  withDefaults: boolean;
  redisUrl: string;
  postgresAdminUrl: string;
}

// ---------------------------------------------------------------------------------------------
// Statistics

export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

/** Nearest-rank percentile of values sorted in ascending order. */
function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Milliseconds, to the microsecond. */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    mean: round(sorted.length === 0 ? Number.NaN : sum / sorted.length),
    p50: round(percentile(sorted, 0.5)),
    p90: round(percentile(sorted, 0.9)),
    p99: round(percentile(sorted, 0.99)),
    max: round(percentile(sorted, 1)),
  };
}

// ---------------------------------------------------------------------------------------------
// The machine

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kernel: string;
  commit: string | undefined;
  /** Whether the tree held changes not in that commit (`git status`): then the commit is not all of it. */
  uncommittedChanges: boolean | undefined;
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) return match[1].trim();
  } catch {
    // not Linux: fall back to what Node reports
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function commit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

function uncommittedChanges(): boolean | undefined {
  try {
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return status.trim() !== '';
  } catch {
    return undefined;
  }
}

export function describeMachine(): Machine {
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    commit: commit(),
    uncommittedChanges: uncommittedChanges(),
  };
}

export function loadAverage(): number[] {
  return os.loadavg().map((value) => round(value, 2));
}

// ---------------------------------------------------------------------------------------------
// How busy the machine was: all CPU time spent, and the part our own processes spent

/** USER_HZ: the unit of /proc CPU times on every Linux a benchmark is likely to run on. */
const CLOCK_TICKS_PER_SECOND = 100;

function systemBusyTicks(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]?.trim().split(/\s+/).slice(1) ?? [];
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    return [user, nice, system, irq, softirq, steal].reduce<number>((sum, value) => sum + (value ?? 0), 0);
  } catch {
    return Number.NaN;
  }
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime
  } catch {
    return 0;
  }
}

/** Time on a CPU and time runnable but waiting for one, summed over a process's threads (/proc schedstat). */
function schedTimes(pid: number): { cpuNs: number; waitNs: number } {
  let cpuNs = 0;
  let waitNs = 0;
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const [cpu, wait] = readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ').map(Number);
      cpuNs += cpu ?? 0;
      waitNs += wait ?? 0;
    }
  } catch {
    // the process or one of its threads is gone: count what was read
  }
  return { cpuNs, waitNs };
}

export interface ProcessTimes {
  /** Milliseconds on a CPU, all threads. */
  cpuMs: number;
  /** Milliseconds runnable but waiting for a CPU: what a busy machine costs this process. */
  waitMs: number;
}

/** Starts timing the named processes; the returned function stops and reports each. */
export function meterProcesses(pids: Record<string, number>): () => Record<string, ProcessTimes> {
  const entries = Object.entries(pids);
  const before = entries.map(([, pid]) => schedTimes(pid));
  return () =>
    Object.fromEntries(
      entries.map(([role, pid], index) => {
        const now = schedTimes(pid);
        const then = before[index] ?? { cpuNs: 0, waitNs: 0 };
        return [
          role,
          {
            cpuMs: round((now.cpuNs - then.cpuNs) / 1e6, 1),
            waitMs: round((now.waitNs - then.waitNs) / 1e6, 1),
          },
        ];
      }),
    );
}

export interface CpuUse {
  /** Cores busy on the whole machine, on average over the measurement. */
  busyCores: number;
  /** Of those, the benchmark process and the servers it started. */
  benchCores: number;
  /** Everything else: other people's work, and Redis or PostgreSQL when a benchmark uses them. */
  otherCores: number;
}

/** Starts counting CPU time; the returned function stops and reports it. */
export function meterCpu(pids: readonly number[]): () => CpuUse {
  const all = [process.pid, ...pids];
  const started = performance.now();
  const busy = systemBusyTicks();
  const ours = all.map(processTicks);
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const cores = (ticks: number) => round(ticks / CLOCK_TICKS_PER_SECOND / seconds, 2);
    const busyCores = cores(systemBusyTicks() - busy);
    const benchCores = cores(
      all.reduce((sum, pid, index) => sum + processTicks(pid) - (ours[index] ?? 0), 0),
    );
    return { busyCores, benchCores, otherCores: round(Math.max(0, busyCores - benchCores), 2) };
  };
}

// ---------------------------------------------------------------------------------------------
// Output

export function formatNumber(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return '-';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(digits);
}

/** A plain text table; numbers are right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell)));
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...cells.map((row) => row[column]?.length ?? 0)),
  );
  const numeric = headers.map((_, column) => rows.every((row) => typeof row[column] !== 'string'));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}

/** bench/results/<UTC date and time>-<name>.json; returns the path. */
export function writeResults(name: string, startedAt: Date, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const iso = startedAt.toISOString();
  const stamp = `${iso.slice(0, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}`;
  const path = join(RESULTS_DIR, `${stamp}-${name}.json`);
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
