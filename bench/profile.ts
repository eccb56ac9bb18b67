/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and says where the time went: by package, counting
 * a sample once for every package on its stack (inclusive), by who owns the running code (self),
 * and the functions with the most samples of their own. Idle time is left out; shares are of the
 * time the main thread was busy. Only samples inside the given window count, so start-up and
 * sign-in stay out: profile timestamps are CLOCK_MONOTONIC microseconds, as process.hrtime's.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  windowMs: number;
  busyMs: number;
  /** Share of busy time with the package (not Node's own modules) anywhere on the stack. */
  inclusiveByPackage: { name: string; share: number }[];
  /** Share of busy time spent in code of this owner itself: a package, a Node module, GC. */
  selfByOwner: { name: string; share: number }[];
  /** Share of busy time spent in the function itself. */
  selfByFunction: { name: string; share: number }[];
}

/** Now, on the clock profiles use. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** '(program)' is native work outside JavaScript (the event loop, system calls): busy, kept. */
const IDLE = new Set(['(idle)']);

/** Who a frame belongs to: a package under node_modules, Node itself, V8, or stepgate. */
function owner(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : 'V8 / native';
  if (url.startsWith('node:')) return url;
  const packages = /node_modules\/((?:@[^/]+\/)?[^/]+)\//g;
  let last: string | undefined;
  for (const match of url.matchAll(packages)) last = match[1];
  if (last) return last;
  return url.includes('/bench/servers/') ? 'bench server' : 'stepgate';
}

function isPackage(owner: string): boolean {
  return !owner.startsWith('node:') && !owner.startsWith('(') && owner !== 'V8 / native';
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/build\//, '')
    .replace(/^file:\/\//, '');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

function top(totals: Map<string, number>, busy: number, count: number) {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, time]) => ({ name, share: Math.round((time / busy) * 1000) / 1000 }));
}

export function summarizeProfile(
  path: string,
  window: { fromUs: number; toUs: number },
  count = 15,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const stackOwners = new Map<number, Set<string>>();
  const ownersOf = (id: number): Set<string> => {
    const known = stackOwners.get(id);
    if (known) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const owners = new Set(up === undefined ? [] : ownersOf(up));
    if (node && node.callFrame.functionName !== '(root)') {
      owners.add(owner(node.callFrame.url, node.callFrame.functionName));
    }
    stackOwners.set(id, owners);
    return owners;
  };

  const add = (totals: Map<string, number>, name: string, time: number) =>
    totals.set(name, (totals.get(name) ?? 0) + time);
  const inclusive = new Map<string, number>();
  const selfOwner = new Map<string, number>();
  const self = new Map<string, number>();
  let busy = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const time = profile.timeDeltas[index] ?? 0;
    at += time;
    const node = byId.get(id);
    if (at < window.fromUs || at > window.toUs) return;
    if (!node || IDLE.has(node.callFrame.functionName)) return;
    busy += time;
    for (const name of ownersOf(id)) if (isPackage(name)) add(inclusive, name, time);
    add(selfOwner, owner(node.callFrame.url, node.callFrame.functionName), time);
    add(self, frameName(node), time);
  });
  return {
    windowMs: Math.round((window.toUs - window.fromUs) / 1000),
    busyMs: Math.round(busy / 1000),
    inclusiveByPackage: top(inclusive, busy, count),
    selfByOwner: top(selfOwner, busy, count),
    selfByFunction: top(self, busy, count),
  };
}
