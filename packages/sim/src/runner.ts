import type { SimOptions, SimResult } from './result';
import { runSeed } from './simulation';

/** Runs seeds start..start+count-1 in order, handing each result to `onResult`. */
export function runSeeds(start: number, count: number, onResult: (r: SimResult) => void, opts: SimOptions = {}): number {
  let failures = 0;
  for (let seed = start; seed < start + count; seed++) {
    const r = runSeed(seed, opts);
    if (!r.ok) failures++;
    onResult(r);
  }
  return failures;
}

export function formatFailure(r: SimResult): string {
  const v = r.violation;
  return `FAIL seed=${r.seed}: ${v?.invariant ?? 'unknown'} ${v?.detail ?? ''} (replay: npm run sim -- --seed ${r.seed} --trace)`;
}

export function summaryLine(seeds: number, failures: number): string {
  return `sim: ${seeds} seeds, ${failures} failures`;
}
