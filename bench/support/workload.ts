/**
 * The bench workload, driven through the `etcd3` npm client so that etcd and the kvstore are
 * judged by the same client: a fixed number of operations with a fixed number in flight, each
 * worker starting its next request as soon as its previous one answers (closed loop).
 */
import type { Etcd3 } from 'etcd3';

export const KEY_BYTES = 8;
export const VALUE_BYTES = 256;

export interface RunResult {
  ops: number;
  seconds: number;
  /** Latency percentiles in milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
}

/** An 8-byte key: a phase letter and a 7-digit index. */
export function benchKey(phase: string, i: number): string {
  const key = `${phase}${String(i).padStart(KEY_BYTES - phase.length, '0')}`;
  if (key.length !== KEY_BYTES) throw new Error(`key ${key} is not ${KEY_BYTES} bytes`);
  return key;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * Runs `op(0..total-1)` with `inflight` outstanding at a time; any failure fails the run. `worker`
 * (0..inflight-1) names the closed-loop client running the op, for callers that give each client
 * its own connection.
 */
export async function closedLoop(total: number, inflight: number, op: (i: number, worker: number) => Promise<unknown>): Promise<RunResult> {
  const latencies = new Float64Array(total);
  let next = 0;
  const worker = async (_: unknown, w: number): Promise<void> => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      await op(i, w);
      latencies[i] = performance.now() - t0;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(inflight, total) }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  return { ops: total, seconds, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9) };
}

export function puts(client: Etcd3, phase: string, total: number, inflight: number, value: Buffer): Promise<RunResult> {
  return closedLoop(total, inflight, (i) => client.put(benchKey(phase, i)).value(value).exec());
}

/** Linearizable (the etcd3 default) gets of keys written earlier under `phase`; each must be found. */
export function gets(client: Etcd3, phase: string, total: number, inflight: number, written: number): Promise<RunResult> {
  return closedLoop(total, inflight, async (i) => {
    const key = benchKey(phase, i % written);
    const v = await client.get(key).buffer();
    if (v === null || v.length !== VALUE_BYTES) throw new Error(`get ${key}: ${v === null ? 'not found' : `${v.length} bytes`}`);
  });
}
