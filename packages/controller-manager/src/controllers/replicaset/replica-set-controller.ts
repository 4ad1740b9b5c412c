// The ReplicaSet controller, also driving ReplicationControllers (kube shares the engine too):
// keeps spec.replicas active pods per owner. Pod events only enqueue the owner's key; sync(key)
// claims pods (adopting matching orphans, releasing non-matching ones), creates or deletes the
// difference under expectations, and writes status.
//
// Invariant: while an owner's expectations are unmet (creations or deletions it asked for and
// has not yet seen in the informer), sync does not create or delete for it, so a stale cache
// never doubles a scale-up. Expectations expire after five minutes in case an event was lost.
import type { KubeObject, Pod } from '@kubemu/api';
import { UIDTrackingExpectations, deletedObject, isNotFound, metaNamespaceKey, splitMetaNamespaceKey } from '@kubemu/client';
import type { DeletedFinalStateUnknown, EventRecorder, Lister, RateLimitingQueue, ResourceClient, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import {
  CONTROLLER_UID_INDEX,
  PODS,
  PodControl,
  SLOW_START_INITIAL_BATCH_SIZE,
  claimObjects,
  controllerRefOf,
  controllerUidIndexFunc,
  ensureIndex,
  hasStatusCause,
  isPodActive,
  isPodReady,
  newControllerRef,
  newQueue,
  orphanIndexKey,
  podsToDelete,
  recheckOwner,
  runQueueWorkers,
  slowStartBatch,
} from '../../controller-utils';
import type { ReplicaKind, ReplicaStatus } from './replica-kind';
import { calculateStatus, statusUnchanged } from './replica-status';

/** kube's BurstReplicas: at most this many creations or deletions per sync. */
export const BURST_REPLICAS = 500;

export class ReplicaSetController<T extends KubeObject> implements Controller {
  readonly name: string;
  readonly queue: RateLimitingQueue<string>;
  readonly expectations: UIDTrackingExpectations;
  private readonly owners: SharedInformer<T>;
  private readonly ownerLister: Lister<T>;
  private readonly pods: SharedInformer<Pod>;
  private readonly ownerClient: ResourceClient<T>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly recorder: EventRecorder;
  private readonly podControl: PodControl;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly kind: ReplicaKind<T>,
  ) {
    this.name = kind.name;
    this.queue = newQueue(ctx);
    this.expectations = new UIDTrackingExpectations(ctx.clock);
    this.owners = ctx.informers.forResource<T>(kind.resource);
    this.ownerLister = this.owners.lister();
    this.pods = ctx.informers.forResource<Pod>(PODS);
    ensureIndex(this.pods, CONTROLLER_UID_INDEX, controllerUidIndexFunc);
    ensureIndex(this.owners, CONTROLLER_UID_INDEX, controllerUidIndexFunc);
    this.ownerClient = ctx.client.resource<T>(kind.resource);
    this.podClient = ctx.client.resource<Pod>(PODS);
    this.recorder = ctx.recorder(kind.eventSource);
    this.podControl = new PodControl(ctx.client, this.recorder);
    this.owners.addEventHandler({
      onAdd: (o) => this.enqueue(o),
      onUpdate: (_old, cur) => this.enqueue(cur),
      onDelete: (o) => {
        const owner = deletedObject(o);
        this.expectations.deleteExpectations(metaNamespaceKey(owner));
        this.enqueue(owner);
      },
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.addPod(p),
      onUpdate: (old, cur) => this.updatePod(old, cur),
      onDelete: (p) => this.deletePod(p),
    });
  }

  run(signal: AbortSignal): Promise<void> {
    return runQueueWorkers({ name: this.name, ctx: this.ctx, queue: this.queue, informers: [this.owners, this.pods], sync: (k) => this.sync(k) }, signal);
  }

  // ---- event handlers: compute owner keys, nothing else ---------------------------------------

  private enqueue(owner: KubeObject): void {
    this.queue.add(metaNamespaceKey(owner));
  }

  /** The owner a controller reference names, if it is ours and still the same object. */
  private resolveControllerRef(namespace: string, ref: { kind: string; name: string; uid: string }): T | undefined {
    if (ref.kind !== this.kind.kind) return undefined;
    const owner = this.ownerLister.get(namespace, ref.name);
    return owner?.metadata?.uid === ref.uid ? owner : undefined;
  }

  /** Owners whose selector matches an orphan's labels (an orphan may be adopted by one of them). */
  private ownersSelecting(pod: Pod): T[] {
    const labels = pod.metadata?.labels;
    if (labels === undefined || Object.keys(labels).length === 0) return [];
    return this.ownerLister.namespace(pod.metadata?.namespace ?? '').list().filter((o) => {
      try {
        const sel = this.kind.selector(o);
        return !sel.isEmpty() && sel.matches(labels);
      } catch {
        return false;
      }
    });
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp !== undefined) {
      // Seen for the first time already terminating (e.g. after a restart): not a creation to count.
      this.deletePod(pod);
      return;
    }
    const ref = controllerRefOf(pod);
    if (ref !== undefined) {
      const owner = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (owner === undefined) return;
      const key = metaNamespaceKey(owner);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    for (const o of this.ownersSelecting(pod)) this.enqueue(o);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (cur.metadata?.deletionTimestamp !== undefined) {
      // Graceful deletion: replace the pod now rather than when the kubelet finally removes it.
      this.deletePod(cur);
      if (labelsChanged) this.deletePod(old);
      return;
    }
    const ns = cur.metadata?.namespace ?? '';
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = curRef?.uid !== oldRef?.uid;
    if (refChanged && oldRef !== undefined) {
      const o = this.resolveControllerRef(ns, oldRef);
      if (o !== undefined) this.enqueue(o);
    }
    if (curRef !== undefined) {
      const owner = this.resolveControllerRef(ns, curRef);
      if (owner === undefined) return;
      this.enqueue(owner);
      // A pod that just became ready turns available minReadySeconds later: look again then.
      const minReady = this.kind.minReadySeconds(owner);
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) this.queue.addAfter(metaNamespaceKey(owner), minReady * 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const o of this.ownersSelecting(cur)) this.enqueue(o);
  }

  private deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = deletedObject(obj);
    const ref = controllerRefOf(pod);
    if (ref === undefined) return;
    const owner = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
    if (owner === undefined) return;
    const key = metaNamespaceKey(owner);
    this.expectations.deletionObserved(key, metaNamespaceKey(pod));
    this.queue.add(key);
  }

  // ---- sync ---------------------------------------------------------------------------------

  async sync(key: string): Promise<Error | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const owner = this.ownerLister.get(namespace, name);
    if (owner === undefined) {
      this.expectations.deleteExpectations(key);
      return;
    }
    const needsSync = this.expectations.satisfiedExpectations(key);
    let selector;
    try {
      selector = this.kind.selector(owner);
    } catch (err) {
      // An invalid selector cannot be fixed by retrying; the apiserver should not have admitted it.
      this.ctx.log.error('invalid selector', { controller: this.name, key, error: (err as Error).message });
      return;
    }
    const candidates = [...this.pods.getIndexer().byIndex(CONTROLLER_UID_INDEX, owner.metadata?.uid ?? ''), ...this.pods.getIndexer().byIndex(CONTROLLER_UID_INDEX, orphanIndexKey(namespace))];
    const active = candidates.filter(isPodActive);
    const { claimed, errors } = await claimObjects<Pod>(active, {
      owner,
      ownerApiVersion: this.kind.apiVersion,
      ownerKind: this.kind.kind,
      selector,
      client: this.podClient.namespace(namespace),
      canAdopt: () => recheckOwner(() => this.ownerClient.namespace(namespace).get(name), owner),
    });
    if (errors.length > 0) return errors[0];
    let manageErr: Error | undefined;
    if (needsSync && owner.metadata?.deletionTimestamp === undefined) manageErr = await this.manageReplicas(key, owner, claimed);
    const status = calculateStatus(this.kind, owner, claimed, manageErr, this.ctx.clock.wallNow());
    let updated: T;
    try {
      updated = await this.updateStatus(owner, status);
    } catch (err) {
      return err as Error;
    }
    const minReady = this.kind.minReadySeconds(updated);
    const st = this.kind.status(updated);
    const want = this.kind.replicas(updated);
    if (manageErr === undefined && minReady > 0 && (st?.readyReplicas ?? 0) === want && (st?.availableReplicas ?? 0) !== want) {
      this.queue.addAfter(key, minReady * 1000);
    }
    return manageErr;
  }

  /** Creates or deletes the difference between the active pods and spec.replicas, at most BURST_REPLICAS. */
  private async manageReplicas(key: string, owner: T, pods: Pod[]): Promise<Error | undefined> {
    const diff = pods.length - this.kind.replicas(owner);
    const ns = owner.metadata?.namespace ?? '';
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      const template = this.kind.template(owner);
      if (template === undefined) return new Error(`${this.kind.kind} ${key} has no pod template`);
      // Expect before creating: the informer may see a pod before its create call returns.
      this.expectations.expectCreations(key, count);
      const ref = newControllerRef(owner, this.kind.apiVersion, this.kind.kind);
      const { successes, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH_SIZE, async () => {
        const r = await this.podControl.createPod(ns, template, owner, ref);
        // A terminating namespace refuses every creation; nothing to retry.
        if (r instanceof Error && !hasStatusCause(r, 'NamespaceTerminating')) return r;
        return undefined;
      });
      // Creations never attempted (or failed) will never be observed.
      for (let i = successes; i < count; i++) this.expectations.creationObserved(key);
      return error;
    }
    if (diff > 0) {
      const count = Math.min(diff, BURST_REPLICAS);
      const victims = podsToDelete(pods, this.relatedPods(owner), count, this.ctx.clock.wallNow());
      this.expectations.expectDeletions(key, victims.map((p) => metaNamespaceKey(p)));
      const results = await Promise.all(
        victims.map(async (p) => {
          const err = await this.podControl.deletePod(ns, p.metadata?.name ?? '', owner);
          if (err === undefined) return undefined;
          this.expectations.deletionObserved(key, metaNamespaceKey(p));
          return isNotFound(err) ? undefined : err;
        }),
      );
      return results.find((e) => e !== undefined);
    }
    return undefined;
  }

  /**
   * Pods of every owner that shares this owner's controller (the ReplicaSets of one Deployment):
   * scaling down prefers pods doubled up on a node with them. No controller: no related pods.
   */
  private relatedPods(owner: T): Pod[] {
    const ref = controllerRefOf(owner);
    if (ref === undefined) return [];
    const siblings = this.owners.getIndexer().byIndex(CONTROLLER_UID_INDEX, ref.uid);
    const seen = new Set<string>();
    const out: Pod[] = [];
    for (const s of siblings) {
      for (const p of this.pods.getIndexer().byIndex(CONTROLLER_UID_INDEX, s.metadata?.uid ?? '')) {
        const uid = p.metadata?.uid ?? '';
        if (seen.has(uid)) continue;
        seen.add(uid);
        out.push(p);
      }
    }
    return out;
  }

  /** PUT status unless nothing changed; one retry on a fresh read, as updateReplicaSetStatus does. */
  private async updateStatus(owner: T, status: ReplicaStatus): Promise<T> {
    if (statusUnchanged(owner, this.kind.status(owner), status)) return owner;
    const ns = owner.metadata?.namespace ?? '';
    const client = this.ownerClient.namespace(ns);
    let current: T = owner;
    for (let attempt = 0; ; attempt++) {
      const next = { ...current, status: { ...status, observedGeneration: current.metadata?.generation ?? 0 } } as T;
      try {
        return await client.updateStatus(next);
      } catch (err) {
        if (attempt >= 1) throw err;
        current = await client.get(owner.metadata?.name ?? '');
      }
    }
  }
}
