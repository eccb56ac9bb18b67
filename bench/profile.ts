/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and says where the time went: by package, counting
 * a sample once for every package on its stack (inclusive), and the functions with the most
 * samples of their own (self). Idle time is left out; shares are of the time the main thread was busy.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  busyMs: number;
  /** Share of busy time with the package anywhere on the stack. */
  inclusiveByPackage: { name: string; share: number }[];
  /** Share of busy time spent in the function itself. */
  selfByFunction: { name: string; share: number }[];
}

/** '(program)' is native work outside JavaScript (the event loop, system calls): busy, kept. */
const IDLE = new Set(['(idle)']);

/** Who a frame belongs to: a package under node_modules, Node itself, V8, or stepgate. */
function owner(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : 'V8 / native';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] ?? ''}`;
  const packages = /node_modules\/((?:@[^/]+\/)?[^/]+)\//g;
  let last: string | undefined;
  for (const match of url.matchAll(packages)) last = match[1];
  if (last) return last;
  return url.includes('/bench/servers/') ? 'bench server' : 'stepgate';
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

export function summarizeProfile(path: string, count = 15): ProfileSummary {
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

  const inclusive = new Map<string, number>();
  const self = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const time = profile.timeDeltas[index] ?? 0;
    if (!node || IDLE.has(node.callFrame.functionName)) return;
    busy += time;
    for (const name of ownersOf(id)) inclusive.set(name, (inclusive.get(name) ?? 0) + time);
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + time);
  });
  return {
    busyMs: Math.round(busy / 1000),
    inclusiveByPackage: top(inclusive, busy, count),
    selfByFunction: top(self, busy, count),
  };
}
