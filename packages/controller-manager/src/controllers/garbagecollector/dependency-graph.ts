// The garbage collector's view of ownership (graph_builder.go, without I/O): one node per
// observed object, edges owner uid -> dependent uids from ownerReferences. Informer events update
// it and say which objects need a look (attemptToDelete) or have dependents to orphan
// (attemptToOrphan); the decisions themselves are made by the collector against the API.
//
// Invariant: `dependents.get(o)` holds exactly the uids of observed objects whose
// ownerReferences name uid `o`, whether or not `o` itself has been observed.
import type { KubeObject, OwnerReference, ResourceInfo } from '@kubemu/api';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

export interface GraphNode {
  uid: string;
  info: ResourceInfo;
  namespace: string;
  name: string;
  owners: OwnerReference[];
  /** deletionTimestamp is set. */
  beingDeleted: boolean;
  /** Being deleted in the foreground: waits for its blocking dependents. */
  deletingDependents: boolean;
  /** Being deleted with the orphan finalizer: its dependents lose their reference to it. */
  orphaning: boolean;
}

export interface GraphEffects {
  attemptToDelete(uid: string): void;
  attemptToOrphan(uid: string): void;
}

export class DependencyGraph {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly dependents = new Map<string, Set<string>>();

  constructor(private readonly effects: GraphEffects) {}

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  dependentsOf(uid: string): GraphNode[] {
    return [...(this.dependents.get(uid) ?? [])].map((d) => this.nodes.get(d)).filter((n): n is GraphNode => n !== undefined);
  }

  /** Dependents whose reference to `uid` has blockOwnerDeletion: a foreground deletion waits for them. */
  blockingDependentsOf(uid: string): GraphNode[] {
    return this.dependentsOf(uid).filter((d) => d.owners.some((o) => o.uid === uid && o.blockOwnerDeletion === true));
  }

  get size(): number {
    return this.nodes.size;
  }

  /** An object was added or changed. */
  upsert(info: ResourceInfo, obj: KubeObject): void {
    const meta = obj.metadata ?? {};
    const uid = meta.uid;
    if (uid === undefined || uid === '') return;
    const beingDeleted = meta.deletionTimestamp !== undefined;
    const finalizers = meta.finalizers ?? [];
    const node: GraphNode = {
      uid,
      info,
      namespace: meta.namespace ?? '',
      name: meta.name ?? '',
      owners: [...(meta.ownerReferences ?? [])],
      beingDeleted,
      deletingDependents: beingDeleted && finalizers.includes(FINALIZER_FOREGROUND),
      orphaning: beingDeleted && finalizers.includes(FINALIZER_ORPHAN),
    };
    const old = this.nodes.get(uid);
    this.nodes.set(uid, node);
    const oldOwners = new Set((old?.owners ?? []).map((o) => o.uid));
    const newOwners = new Set(node.owners.map((o) => o.uid));
    for (const o of oldOwners) {
      if (newOwners.has(o)) continue;
      this.removeEdge(o, uid);
      // A blocking dependent let go of an owner waiting for it.
      if (this.nodes.get(o)?.deletingDependents) this.effects.attemptToDelete(o);
    }
    for (const o of newOwners) if (!oldOwners.has(o)) this.addEdge(o, uid);
    for (const ref of node.owners) {
      const owner = this.nodes.get(ref.uid);
      // An owner never observed may not exist: the collector verifies. An owner being deleted in
      // the foreground needs this dependent gone (and hears again about blockOwnerDeletion changes).
      if (owner === undefined || owner.deletingDependents) this.effects.attemptToDelete(uid);
      if (owner?.deletingDependents) this.effects.attemptToDelete(owner.uid);
    }
    if (node.orphaning) this.effects.attemptToOrphan(uid);
    if (node.deletingDependents) {
      for (const d of this.dependents.get(uid) ?? []) this.effects.attemptToDelete(d);
      this.effects.attemptToDelete(uid);
    }
  }

  /** An object is gone: its dependents may be garbage now, and an owner may have been waiting for it. */
  remove(obj: KubeObject): void {
    const uid = obj.metadata?.uid;
    if (uid === undefined) return;
    const node = this.nodes.get(uid);
    if (node === undefined) return;
    this.nodes.delete(uid);
    for (const d of this.dependents.get(uid) ?? []) this.effects.attemptToDelete(d);
    for (const ref of node.owners) {
      this.removeEdge(ref.uid, uid);
      if (this.nodes.get(ref.uid)?.deletingDependents) this.effects.attemptToDelete(ref.uid);
    }
  }

  private addEdge(owner: string, dependent: string): void {
    let set = this.dependents.get(owner);
    if (set === undefined) this.dependents.set(owner, (set = new Set()));
    set.add(dependent);
  }

  private removeEdge(owner: string, dependent: string): void {
    const set = this.dependents.get(owner);
    if (set === undefined) return;
    set.delete(dependent);
    if (set.size === 0) this.dependents.delete(owner);
  }
}
