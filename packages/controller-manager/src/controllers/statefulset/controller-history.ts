// ControllerRevisions: the apps/v1 history that StatefulSets and DaemonSets keep of their pod
// templates. A revision is an immutable snapshot (`data`, a patch that restores the template)
// with a monotonically increasing `revision` number; its name is `<parent>-<hash>` where the hash
// is FNV-32a over the snapshot, printed in decimal and "safe-encoded" (no vowels, no look-alike
// characters) as Kubernetes' rand.SafeEncodeString does. The DaemonSet controller imports this
// file too: both workload controllers share one notion of history, as in Kubernetes.
import type { ControllerRevision, KubeObject, OwnerReference, PodTemplateSpec } from '@kubemu/api';

export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
/** The label every ControllerRevision carries with its own hash. */
export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted, so the same value always prints (and hashes) the same. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => stableStringify(v === undefined ? null : v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** FNV-1a, 32 bits, over the UTF-8 bytes of `text`. */
export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function safeEncode(text: string): string {
  let out = '';
  for (const ch of text) out += SAFE_ALPHANUMS[ch.charCodeAt(0) % SAFE_ALPHANUMS.length];
  return out;
}

/** The hash of a snapshot; a collision count (status.collisionCount) perturbs it to get a fresh name. */
export function revisionHash(data: unknown, collisionCount = 0): string {
  const extra = collisionCount > 0 ? `#${collisionCount}` : '';
  return safeEncode(String(fnv32a(stableStringify(data) + extra)));
}

/** The snapshot a workload's revision records: a patch that puts its template back. */
export function templatePatch(template: PodTemplateSpec | undefined): Record<string, unknown> {
  return { spec: { template: { ...(template ?? {}), $patch: 'replace' } } };
}

/** The template recorded in a revision (the inverse of templatePatch). */
export function templateOf(rev: ControllerRevision): PodTemplateSpec | undefined {
  const data = rev.data as { spec?: { template?: PodTemplateSpec & { $patch?: string } } } | undefined;
  const t = data?.spec?.template;
  if (t === undefined) return undefined;
  const copy = structuredClone(t);
  delete copy.$patch;
  return copy;
}

export function controllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? '',
    kind: owner.kind ?? '',
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The owner reference marked controller, if any. */
export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** Whether `obj` is controlled by the object with uid `uid`. */
export function isControlledBy(obj: KubeObject, uid: string | undefined): boolean {
  return uid !== undefined && getControllerOf(obj)?.uid === uid;
}

/** Names are at most 253 characters; the hash suffix always survives. */
export function revisionName(parent: string, hash: string): string {
  const prefix = parent.length > 223 ? parent.slice(0, 223) : parent;
  return `${prefix}-${hash}`;
}

export interface NewRevision {
  parent: KubeObject;
  /** The labels of the template: revisions are selected by the parent's selector. */
  labels: Record<string, string>;
  data: Record<string, unknown>;
  revision: number;
  collisionCount: number;
}

export function newControllerRevision(r: NewRevision): ControllerRevision {
  const hash = revisionHash(r.data, r.collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(r.parent.metadata?.name ?? '', hash),
      namespace: r.parent.metadata?.namespace ?? '',
      labels: { ...r.labels, [REVISION_HASH_LABEL]: hash },
      ownerReferences: [controllerRef(r.parent)],
    },
    data: r.data,
    revision: r.revision,
  };
}

/** Revisions sorted oldest first (by revision number, then name). */
export function sortRevisions(revs: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revs].sort((a, b) => a.revision - b.revision || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

export function nextRevisionNumber(revs: readonly ControllerRevision[]): number {
  return revs.reduce((max, r) => Math.max(max, r.revision), 0) + 1;
}

/** The existing revisions whose snapshot equals `data`, oldest first. */
export function equalRevisions(revs: readonly ControllerRevision[], data: Record<string, unknown>): ControllerRevision[] {
  const want = stableStringify(data);
  return sortRevisions(revs.filter((r) => stableStringify(r.data) === want));
}
