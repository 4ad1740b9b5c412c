/**
 * mvcc-memory - loads N keys with 256-byte values into the MVCC state machine (one put each, as
 * Raft would apply them) and prints the process RSS and heap per key, then the time to take and
 * restore a snapshot. The target: 1 million such keys in a member under 1 GiB RSS.
 *
 * Usage: node --expose-gc bench/dist/mvcc-memory.js [--keys 1000000]
 */
import { MvccStore } from '@kubemu/kvstore';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

const n = arg('keys', 1_000_000);
gc();
const before = process.memoryUsage();
const store = new MvccStore();
const value = Buffer.alloc(256, 'v');
const t0 = performance.now();
for (let i = 0; i < n; i++) {
  // Kubernetes-like keys (~40 bytes); each value a fresh buffer, as decoded from a request.
  const key = Buffer.from(`/registry/pods/default/pod-${(i * 2654435761) % 4294967296}-${i}`);
  store.apply({ put: { key, value: Buffer.from(value) } }, { now: 0 });
}
const loadMs = performance.now() - t0;
gc();
const after = process.memoryUsage();
console.log(`keys: ${n}, load: ${(loadMs / 1000).toFixed(1)} s (${Math.round(n / (loadMs / 1000))} puts/s)`);
console.log(`rss: ${mib(after.rss)} (+${mib(after.rss - before.rss)}), heap used: ${mib(after.heapUsed)}, external: ${mib(after.external)}`);
console.log(`per key: ${Math.round((after.rss - before.rss) / n)} bytes rss, ${Math.round((after.heapUsed - before.heapUsed) / n)} bytes heap`);
const t1 = performance.now();
const snap = store.snapshot();
const t2 = performance.now();
const copy = new MvccStore();
copy.restore(snap);
const t3 = performance.now();
console.log(`snapshot: ${mib(snap.byteLength)} in ${((t2 - t1) / 1000).toFixed(2)} s, restore in ${((t3 - t2) / 1000).toFixed(2)} s`);
const r = copy.range({ key: Buffer.from('/registry/pods/'), rangeEnd: Buffer.from('/registry/pods0'), limit: 10 });
console.log(`check: ${r.count} keys in /registry/pods/ after restore, rev ${r.header.revision}`);
