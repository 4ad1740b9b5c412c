// The garbage collector: deletes objects whose owners are gone (background propagation), lets
// an owner deleted in the foreground go only once its blocking dependents are gone, and
// removes the references to an owner deleted with the orphan policy before letting it go.
//
// Safety: an object is deleted only after its owners are confirmed absent by the API itself
// (a 404, or a different uid, for an owner the informers never showed), or observed deleted;
// deletes carry a uid precondition so that a recreated object of the same name is never hit.
import { mustFindResource, resourceForKind } from '@kubemu/api';
import type { KubeObject, OwnerReference, ResourceInfo } from '@kubemu/api';
import { deletedObject, isConflict, isNotFound } from '@kubemu/client';
import type { RateLimitingQueue, ResourceClient, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import { aggregate, newQueue, runQueueWorkers } from '../../controller-utils';
import { DependencyGraph, FINALIZER_FOREGROUND, FINALIZER_ORPHAN } from './dependency-graph';
import type { GraphNode } from './dependency-graph';

/** The resources the collector watches: every kind that owns, or is owned, in the control plane. */
export const GC_RESOURCES: readonly ResourceInfo[] = [
  ['', 'pods'],
  ['', 'replicationcontrollers'],
  ['', 'services'],
  ['', 'endpoints'],
  ['', 'configmaps'],
  ['', 'secrets'],
  ['', 'serviceaccounts'],
  ['', 'persistentvolumeclaims'],
  ['', 'persistentvolumes'],
  ['', 'nodes'],
  ['apps', 'deployments'],
  ['apps', 'replicasets'],
  ['apps', 'statefulsets'],
  ['apps', 'daemonsets'],
  ['apps', 'controllerrevisions'],
  ['batch', 'jobs'],
  ['batch', 'cronjobs'],
  ['coordination.k8s.io', 'leases'],
  ['autoscaling', 'horizontalpodautoscalers'],
].map(([group, resource]) => mustFindResource(group ?? '', resource ?? ''));

/** Owner uids known to be gone (uids are never reused), bounded like kube's absentOwnerCache. */
class AbsentOwners {
  private readonly uids = new Set<string>();
  constructor(private readonly max = 500) {}
  has(uid: string): boolean {
    return this.uids.has(uid);
  }
  add(uid: string): void {
    this.uids.delete(uid);
    this.uids.add(uid);
    if (this.uids.size > this.max) this.uids.delete(this.uids.values().next().value as string);
  }
}

type OwnerState = 'solid' | 'dangling' | 'waiting';

export class GarbageCollector implements Controller {
  readonly name = 'garbagecollector';
  readonly deleteQueue: RateLimitingQueue<string>;
  readonly orphanQueue: RateLimitingQueue<string>;
  readonly graph: DependencyGraph;
  private readonly informers: SharedInformer<KubeObject>[] = [];
  private readonly absent = new AbsentOwners();

  constructor(private readonly ctx: ControllerContext) {
    this.deleteQueue = newQueue(ctx);
    this.orphanQueue = newQueue(ctx);
    this.graph = new DependencyGraph({ attemptToDelete: (uid) => this.deleteQueue.add(uid), attemptToOrphan: (uid) => this.orphanQueue.add(uid) });
    for (const info of GC_RESOURCES) {
      const inf = ctx.informers.forResource<KubeObject>(info);
      inf.addEventHandler({
        onAdd: (o) => this.graph.upsert(info, o),
        onUpdate: (_old, o) => this.graph.upsert(info, o),
        onDelete: (o) => {
          const obj = deletedObject(o);
          if (obj.metadata?.uid !== undefined) this.absent.add(obj.metadata.uid);
          this.graph.remove(obj);
        },
      });
      this.informers.push(inf);
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    const base = { ctx: this.ctx, informers: this.informers };
    await Promise.all([
      runQueueWorkers({ ...base, name: 'garbagecollector-attempt-to-delete', queue: this.deleteQueue, sync: (uid) => this.attemptToDelete(uid) }, signal),
      runQueueWorkers({ ...base, name: 'garbagecollector-attempt-to-orphan', queue: this.orphanQueue, sync: (uid) => this.attemptToOrphan(uid) }, signal),
    ]);
  }

  private client(n: Pick<GraphNode, 'info' | 'namespace'>): ResourceClient<KubeObject> {
    const rc = this.ctx.client.resource<KubeObject>(n.info);
    return n.info.namespaced ? rc.namespace(n.namespace) : rc;
  }

  /** The latest state of the node's object; undefined when gone or replaced by another uid. */
  private async latest(n: GraphNode): Promise<KubeObject | undefined> {
    try {
      const obj = await this.client(n).get(n.name);
      return obj.metadata?.uid === n.uid ? obj : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  // ---- attemptToDelete -------------------------------------------------------------------------

  async attemptToDelete(uid: string): Promise<Error | void> {
    const node = this.graph.get(uid);
    if (node === undefined) return;
    try {
      const obj = await this.latest(node);
      if (obj === undefined) return;
      const meta = obj.metadata ?? {};
      if (meta.deletionTimestamp !== undefined) {
        if ((meta.finalizers ?? []).includes(FINALIZER_FOREGROUND)) return await this.processDeletingDependents(node);
        return;
      }
      const refs = meta.ownerReferences ?? [];
      if (refs.length === 0) return;
      const states = await Promise.all(refs.map(async (r) => [r, await this.classify(r, node)] as const));
      const solid = states.filter(([, s]) => s === 'solid');
      const gone = states.filter(([, s]) => s !== 'solid').map(([r]) => r.uid);
      const waiting = states.filter(([, s]) => s === 'waiting');
      if (solid.length > 0) {
        // Owned still: only drop the references to owners that are gone or waiting for us.
        if (gone.length > 0) await this.removeOwnerRefs(node, gone);
        return;
      }
      if (waiting.length > 0 && this.graph.dependentsOf(uid).length > 0) {
        // Our owner waits for us and we have dependents: we go in the foreground too.
        return await this.deleteObject(node, 'Foreground');
      }
      const finalizers = meta.finalizers ?? [];
      const policy = finalizers.includes(FINALIZER_ORPHAN) ? 'Orphan' : finalizers.includes(FINALIZER_FOREGROUND) ? 'Foreground' : 'Background';
      return await this.deleteObject(node, policy);
    } catch (err) {
      return err as Error;
    }
  }

  /** Whether an owner exists (solid), exists and waits for its dependents (waiting), or is gone (dangling). */
  private async classify(ref: OwnerReference, dependent: GraphNode): Promise<OwnerState> {
    if (this.absent.has(ref.uid)) return 'dangling';
    const observed = this.graph.get(ref.uid);
    if (observed !== undefined) return observed.deletingDependents ? 'waiting' : 'solid';
    const info = resourceForKind(ref.apiVersion, ref.kind);
    // A kind this API does not serve cannot be checked: never collect on a guess.
    if (info === undefined) return 'solid';
    const client = this.client({ info, namespace: dependent.namespace });
    try {
      const owner = await client.get(ref.name);
      if (owner.metadata?.uid !== ref.uid) {
        this.absent.add(ref.uid);
        return 'dangling';
      }
      const waiting = owner.metadata?.deletionTimestamp !== undefined && (owner.metadata.finalizers ?? []).includes(FINALIZER_FOREGROUND);
      return waiting ? 'waiting' : 'solid';
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.absent.add(ref.uid);
      return 'dangling';
    }
  }

  private async deleteObject(node: GraphNode, policy: 'Orphan' | 'Foreground' | 'Background'): Promise<void> {
    try {
      await this.client(node).delete(node.name, { propagationPolicy: policy, preconditions: { uid: node.uid } });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return; // gone, or a different object now
      throw err;
    }
  }

  /** A foreground deletion: once no blocking dependent is left, the owner may go. */
  private async processDeletingDependents(node: GraphNode): Promise<void> {
    const blocking = this.graph.blockingDependentsOf(node.uid);
    if (blocking.length === 0) return this.removeFinalizer(node, FINALIZER_FOREGROUND);
    for (const d of blocking) if (!d.deletingDependents) this.deleteQueue.add(d.uid);
  }

  // ---- attemptToOrphan -------------------------------------------------------------------------

  async attemptToOrphan(uid: string): Promise<Error | void> {
    const node = this.graph.get(uid);
    if (node === undefined) return;
    const errors: Error[] = [];
    for (const d of this.graph.dependentsOf(uid)) {
      try {
        await this.removeOwnerRefs(d, [uid]);
      } catch (err) {
        if (!isNotFound(err)) errors.push(err as Error);
      }
    }
    const err = aggregate(errors);
    if (err !== undefined) return new Error(`failed to orphan dependents of owner ${node.namespace}/${node.name}, got errors: ${err.message}`);
    try {
      await this.removeFinalizer(node, FINALIZER_ORPHAN);
    } catch (e) {
      return e as Error;
    }
  }

  // ---- writes ----------------------------------------------------------------------------------

  /** Strategic merge patch deleting owner references by uid (the object's uid guards against a replacement). */
  private async removeOwnerRefs(node: GraphNode, ownerUids: readonly string[]): Promise<void> {
    const patch = { metadata: { ownerReferences: ownerUids.map((u) => ({ $patch: 'delete', uid: u })), uid: node.uid } };
    try {
      await this.client(node).patch(node.name, 'strategic', patch);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Removes one finalizer with a merge patch conditional on the version read, retried on conflict. */
  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    for (;;) {
      const obj = await this.latest(node);
      if (obj === undefined) return;
      const finalizers = obj.metadata?.finalizers ?? [];
      if (!finalizers.includes(finalizer)) return;
      const patch = { metadata: { resourceVersion: obj.metadata?.resourceVersion, finalizers: finalizers.filter((f) => f !== finalizer) } };
      try {
        await this.client(node).patch(node.name, 'merge', patch);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
    }
  }
}

export const newGarbageCollector = (ctx: ControllerContext): Controller => new GarbageCollector(ctx);
