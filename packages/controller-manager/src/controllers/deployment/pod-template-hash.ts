// The pod-template-hash: the name suffix and label that tie a ReplicaSet to one version of a
// Deployment's template. Kubernetes hashes a Go printout of the template with FNV-32a; kubemu
// hashes the template's canonical JSON (keys sorted, empty values dropped) with FNV-32a, then
// the collision count, then encodes the decimal digits with the same safe alphabet. The result
// is deterministic and stable across processes, which is what idempotent RS names need.
import type { PodTemplateSpec } from '@kubemu/api';
import { DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY } from './annotations';

/** rand.SafeEncodeString's alphabet: no vowels (no words) and no look-alike characters. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** Drops null, undefined, empty objects and empty arrays: the JSON a Go struct treats as zero. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(normalize);
    return items.length === 0 ? undefined : items;
  }
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const n = normalize((v as Record<string, unknown>)[k]);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v === null ? undefined : v;
}

function canonical(v: unknown): string {
  return JSON.stringify(normalize(v) ?? {});
}

function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function safeEncode(s: string): string {
  return [...s].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join('');
}

/** controller.ComputeHash: FNV-32a of the template, then of the collision count (little-endian uint32). */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonical(template)));
  if (collisionCount !== undefined) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncode(String(h));
}

function withoutHash(t: PodTemplateSpec | undefined): unknown {
  if (t === undefined) return undefined;
  const c = structuredClone(t);
  if (c.metadata?.labels !== undefined) delete c.metadata.labels[DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY];
  return c;
}

/** EqualIgnoreHash: the templates are the same once the pod-template-hash label is ignored. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonical(withoutHash(a)) === canonical(withoutHash(b));
}
