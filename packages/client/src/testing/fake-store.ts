// The fake API's storage: every object of every resource under one resourceVersion counter, and
// the history of changes that watches replay. Invariants: the counter only grows; each write gets
// the next value, stamped into the object's metadata.resourceVersion; `history` holds, in order,
// every change with a version above `compacted`, each with the state before it (`prev`) so that
// a watch can tell objects leaving its selector and a list can be served at an older version.
import type { KubeObject } from '@kubemu/api';
import type { ResourceSpec } from '../resource-client';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  rv: number;
  resource: string;
  key: string;
  type: ChangeType;
  /** The new state; for DELETED the final state, stamped with the deletion's version. */
  object: KubeObject;
  prev?: KubeObject;
}

export function resourceId(spec: Pick<ResourceSpec, 'group' | 'resource'>): string {
  return `${spec.group}/${spec.resource}`;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export type Expired = { expired: true; oldest: number };

export class FakeStore {
  private rv = 0;
  private compactedRv = 0;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private history: Change[] = [];
  private readonly listeners: ((c: Change) => void)[] = [];

  get resourceVersion(): number {
    return this.rv;
  }

  get compacted(): number {
    return this.compactedRv;
  }

  onChange(listener: (c: Change) => void): void {
    this.listeners.push(listener);
  }

  get(resource: string, key: string): KubeObject | undefined {
    const o = this.objects.get(resource)?.get(key);
    return o === undefined ? undefined : structuredClone(o);
  }

  /** Objects of a resource (in one namespace, if given), sorted by key as etcd returns them. */
  list(resource: string, namespace?: string): KubeObject[] {
    return sortedValues(this.objects.get(resource) ?? new Map(), namespace).map((o) => structuredClone(o));
  }

  /** Stores a new state of `key` (or removes it for DELETED) under the next resourceVersion. */
  write(resource: string, key: string, type: ChangeType, object: KubeObject): KubeObject {
    const rv = ++this.rv;
    const stored = structuredClone(object);
    (stored.metadata ??= {}).resourceVersion = String(rv);
    let bucket = this.objects.get(resource);
    if (bucket === undefined) this.objects.set(resource, (bucket = new Map()));
    const prev = bucket.get(key);
    if (type === 'DELETED') bucket.delete(key);
    else bucket.set(key, stored);
    const change: Change = { rv, resource, key, type, object: stored };
    if (prev !== undefined) change.prev = prev;
    this.history.push(change);
    for (const l of this.listeners) l(change);
    return structuredClone(stored);
  }

  /** Changes of `resource` after version `after`, or Expired when some were compacted away. */
  changesSince(resource: string, after: number): Change[] | Expired {
    if (after < this.compactedRv) return { expired: true, oldest: this.compactedRv };
    return this.history.filter((c) => c.rv > after && c.resource === resource);
  }

  /** The state of `resource` as it was at version `at`, or Expired if that is before the compaction. */
  snapshot(resource: string, at: number, namespace?: string): KubeObject[] | Expired {
    if (at < this.compactedRv) return { expired: true, oldest: this.compactedRv };
    const state = new Map(this.objects.get(resource) ?? []);
    for (let i = this.history.length - 1; i >= 0; i--) {
      const c = this.history[i] as Change;
      if (c.rv <= at) break;
      if (c.resource !== resource) continue;
      if (c.prev === undefined) state.delete(c.key);
      else state.set(c.key, c.prev);
    }
    return sortedValues(state, namespace).map((o) => structuredClone(o));
  }

  /** Forgets history up to `rv`: watches and lists from an older version get 410 Expired. */
  compact(rv = this.rv): void {
    this.compactedRv = Math.max(this.compactedRv, Math.min(rv, this.rv));
    this.history = this.history.filter((c) => c.rv > this.compactedRv);
  }
}

function sortedValues(m: Map<string, KubeObject>, namespace?: string): KubeObject[] {
  return [...m.entries()]
    .filter(([, o]) => namespace === undefined || namespace === '' || (o.metadata?.namespace ?? '') === namespace)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, o]) => o);
}
