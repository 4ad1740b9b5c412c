import type { Violation } from './checkers';
import type { SimConfig } from './config';

export interface SimOptions {
  /** Receives the trace lines of a verbose run. */
  trace?: (line: string) => void;
  /** Changes the seed's drawn configuration (tests, adversarial profiles). */
  configure?: (c: SimConfig) => void;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  violation?: Violation;
  traceHash: string;
  config: string;
  stats: {
    time: number;
    events: number;
    messages: number;
    dropped: number;
    crashes: number;
    readyCrashes: number;
    snapshotsInstalled: number;
    confChanges: number;
    reads: number;
    leaders: number;
    proposed: number;
    acknowledged: number;
    committed: number;
    /** Ticks after healing until one leader was followed by all. */
    leaderTicks: number;
    /** Ticks after healing until converged. */
    livenessTicks: number;
  };
}

/** Where an exception came from, for a one-line failure report. */
export function firstFrame(e: Error): string {
  const line = (e.stack ?? '').split('\n').find((l) => l.includes(' at '));
  return line === undefined ? 'no stack' : line.trim();
}
