/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes on exit) and ranks functions by self
 * time, so a bench can say where a process spent its CPU without opening DevTools.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

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

export interface HotFunction {
  name: string;
  /** Self time in ms and as a share of all samples. */
  selfMs: number;
  share: number;
}

/** The newest .cpuprofile in `dir`, or undefined. */
export async function newestProfile(dir: string): Promise<string | undefined> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile')).sort();
  const last = files[files.length - 1];
  return last === undefined ? undefined : path.join(dir, last);
}

export async function topSelfTime(file: string, count: number): Promise<HotFunction[]> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  for (const [i, id] of profile.samples.entries()) {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const n = byId.get(id);
    if (n === undefined) continue;
    const f = n.callFrame;
    const where = f.url === '' ? '' : ` ${f.url.replace(/^file:\/\//, '').split('/').slice(-3).join('/')}:${f.lineNumber + 1}`;
    const key = `${f.functionName === '' ? '(anonymous)' : f.functionName}${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => ({ name, selfMs: ms, share: total === 0 ? 0 : ms / total }));
}
