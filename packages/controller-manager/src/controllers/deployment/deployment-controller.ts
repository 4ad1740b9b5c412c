// The Deployment controller: a Deployment owns ReplicaSets, one per template version, and rolls
// from old to new by scaling them (RollingUpdate within maxSurge/maxUnavailable, or Recreate).
// Handlers only enqueue Deployment keys; syncDeployment re-reads everything from the caches and
// takes one step: pause bookkeeping, a pure scale when spec.replicas changed, or a rollout step.
import { mustFindResource, selectorFromLabelSelector } from '@kubemu/api';
import type { Deployment, KubeObject, Pod, ReplicaSet } from '@kubemu/api';
import { deletedObject, metaNamespaceKey, splitMetaNamespaceKey } from '@kubemu/client';
import type { DeletedFinalStateUnknown, EventRecorder, Lister, RateLimitingQueue, ResourceClient, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import {
  CONTROLLER_UID_INDEX,
  PODS,
  claimObjects,
  controllerRefOf,
  controllerUidIndexFunc,
  ensureIndex,
  newQueue,
  orphanIndexKey,
  recheckOwner,
  runQueueWorkers,
} from '../../controller-utils';
import { DESIRED_REPLICAS_ANNOTATION, intAnnotation } from './annotations';
import { PAUSED_REASON, PROGRESSING, RESUMED_REASON, TIMED_OUT_REASON, getCondition, hasProgressDeadline, newCondition, setCondition } from './conditions';
import { ReplicaSetOps } from './replica-sets';
import { activeReplicaSets, replicasOf } from './replica-math';
import { Rollout } from './rollout';


export const DEPLOYMENTS = mustFindResource('apps', 'deployments');
export const REPLICA_SETS = mustFindResource('apps', 'replicasets');

export class DeploymentController implements Controller {
  readonly name = 'deployment';
  readonly queue: RateLimitingQueue<string>;
  private readonly deployments: SharedInformer<Deployment>;
  private readonly dLister: Lister<Deployment>;
  private readonly replicaSets: SharedInformer<ReplicaSet>;
  private readonly pods: SharedInformer<Pod>;
  private readonly dClient: ResourceClient<Deployment>;
  private readonly rsClient: ResourceClient<ReplicaSet>;
  private readonly recorder: EventRecorder;
  private readonly ops: ReplicaSetOps;
  private readonly rollout: Rollout;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = newQueue(ctx);
    this.deployments = ctx.informers.forResource<Deployment>(DEPLOYMENTS);
    this.dLister = this.deployments.lister();
    this.replicaSets = ctx.informers.forResource<ReplicaSet>(REPLICA_SETS);
    this.pods = ctx.informers.forResource<Pod>(PODS);
    ensureIndex(this.replicaSets, CONTROLLER_UID_INDEX, controllerUidIndexFunc);
    ensureIndex(this.pods, CONTROLLER_UID_INDEX, controllerUidIndexFunc);
    this.dClient = ctx.client.resource<Deployment>(DEPLOYMENTS);
    this.rsClient = ctx.client.resource<ReplicaSet>(REPLICA_SETS);
    this.recorder = ctx.recorder('deployment-controller');
    this.ops = new ReplicaSetOps({ rsClient: this.rsClient, dClient: this.dClient, rsLister: this.replicaSets.lister(), recorder: this.recorder, clock: ctx.clock, log: ctx.log });
    this.rollout = new Rollout(
      this.ops,
      { after: (d, ms) => this.queue.addAfter(metaNamespaceKey(d), ms), rateLimited: (d) => this.queue.addRateLimited(metaNamespaceKey(d)) },
      () => ctx.clock.wallNow(),
    );
    this.deployments.addEventHandler({
      onAdd: (d) => this.enqueue(d),
      onUpdate: (_o, d) => this.enqueue(d),
      onDelete: (d) => this.enqueue(deletedObject(d)),
    });
    this.replicaSets.addEventHandler({
      onAdd: (rs) => this.addReplicaSet(rs),
      onUpdate: (old, cur) => this.updateReplicaSet(old, cur),
      onDelete: (rs) => this.deleteReplicaSet(rs),
    });
    this.pods.addEventHandler({ onDelete: (p) => this.deletePod(p) });
  }

  run(signal: AbortSignal): Promise<void> {
    return runQueueWorkers({ name: this.name, ctx: this.ctx, queue: this.queue, informers: [this.deployments, this.replicaSets, this.pods], sync: (k) => this.sync(k) }, signal);
  }

  // ---- handlers --------------------------------------------------------------------------------

  private enqueue(d: KubeObject): void {
    this.queue.add(metaNamespaceKey(d));
  }

  private resolve(namespace: string, ref: { kind: string; name: string; uid: string }): Deployment | undefined {
    if (ref.kind !== 'Deployment') return undefined;
    const d = this.dLister.get(namespace, ref.name);
    return d?.metadata?.uid === ref.uid ? d : undefined;
  }

  /** Deployments whose selector matches an orphan RS's labels. */
  private deploymentsSelecting(rs: ReplicaSet): Deployment[] {
    const labels = rs.metadata?.labels;
    if (labels === undefined || Object.keys(labels).length === 0) return [];
    return this.dLister.namespace(rs.metadata?.namespace ?? '').list().filter((d) => {
      try {
        const sel = selectorFromLabelSelector(d.spec?.selector);
        return !sel.isEmpty() && sel.matches(labels);
      } catch {
        return false;
      }
    });
  }

  private addReplicaSet(rs: ReplicaSet): void {
    if (rs.metadata?.deletionTimestamp !== undefined) return this.deleteReplicaSet(rs);
    const ref = controllerRefOf(rs);
    if (ref !== undefined) {
      const d = this.resolve(rs.metadata?.namespace ?? '', ref);
      if (d !== undefined) this.enqueue(d);
      return;
    }
    for (const d of this.deploymentsSelecting(rs)) this.enqueue(d);
  }

  private updateReplicaSet(old: ReplicaSet, cur: ReplicaSet): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const ns = cur.metadata?.namespace ?? '';
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = curRef?.uid !== oldRef?.uid;
    if (refChanged && oldRef !== undefined) {
      const d = this.resolve(ns, oldRef);
      if (d !== undefined) this.enqueue(d);
    }
    if (curRef !== undefined) {
      const d = this.resolve(ns, curRef);
      if (d !== undefined) this.enqueue(d);
      return;
    }
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (labelsChanged || refChanged) for (const d of this.deploymentsSelecting(cur)) this.enqueue(d);
  }

  private deleteReplicaSet(obj: ReplicaSet | DeletedFinalStateUnknown<ReplicaSet>): void {
    const rs = deletedObject(obj);
    const ref = controllerRefOf(rs);
    if (ref === undefined) return;
    const d = this.resolve(rs.metadata?.namespace ?? '', ref);
    if (d !== undefined) this.enqueue(d);
  }

  /** Recreate waits for every old pod to be gone: the last one's deletion wakes the Deployment. */
  private deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = deletedObject(obj);
    const rsRef = controllerRefOf(pod);
    if (rsRef === undefined || rsRef.kind !== 'ReplicaSet') return;
    const ns = pod.metadata?.namespace ?? '';
    const rs = this.replicaSets.lister().get(ns, rsRef.name);
    const dRef = rs === undefined ? undefined : controllerRefOf(rs);
    const d = dRef === undefined ? undefined : this.resolve(ns, dRef);
    if (d === undefined || d.spec?.strategy?.type !== 'Recreate') return;
    const podsLeft = [...this.podsByReplicaSet(this.ownedReplicaSets(d)).values()].reduce((n, ps) => n + ps.length, 0);
    if (podsLeft === 0) this.enqueue(d);
  }

  // ---- sync ------------------------------------------------------------------------------------

  async sync(key: string): Promise<Error | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.dLister.get(namespace, name);
    if (cached === undefined) return;
    const d: Deployment = structuredClone(cached);
    try {
      return await this.syncDeployment(d);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  private async syncDeployment(d: Deployment): Promise<Error | void> {
    const sel = d.spec?.selector;
    if (sel !== undefined && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0) {
      this.recorder.eventf(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        (d.status ??= {}).observedGeneration = d.metadata?.generation ?? 0;
        await this.ops.updateStatus(d);
      }
      return;
    }
    const { rsList, error } = await this.getReplicaSetsForDeployment(d);
    if (error !== undefined) return error;
    if (d.metadata?.deletionTimestamp !== undefined) {
      const { newRS, oldRSs } = await this.ops.getAllReplicaSetsAndSyncRevision(d, rsList, false);
      return this.ops.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
    }
    await this.checkPausedConditions(d);
    if (d.spec?.paused === true || (await this.isScalingEvent(d, rsList))) return this.syncScaleOnly(d, rsList);
    if (d.spec?.strategy?.type === 'Recreate') return this.rollout.recreate(d, rsList, this.podsByReplicaSet(rsList));
    return this.rollout.rolling(d, rsList);
  }

  /** sync(): a scaling event or a paused Deployment: resize the RSes, no rollout step. */
  private async syncScaleOnly(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.ops.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.ops.scale(d, newRS, oldRSs);
    if (d.spec?.paused === true) await this.ops.cleanupDeployment(oldRSs, d);
    await this.ops.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
  }

  /** spec.replicas differs from the desired-replicas some active RS was last sized for. */
  private async isScalingEvent(d: Deployment, rsList: ReplicaSet[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.ops.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
      const desired = intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
      return desired !== undefined && desired !== replicasOf(d);
    });
  }

  /** Progressing Unknown/DeploymentPaused while paused, DeploymentResumed after; a timeout is never overwritten. */
  private async checkPausedConditions(d: Deployment): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, PROGRESSING);
    if (cond?.reason === TIMED_OUT_REASON) return;
    const pausedCond = cond?.reason === PAUSED_REASON;
    const now = this.ctx.clock.wallNow();
    if (d.spec?.paused === true && !pausedCond) {
      setCondition((d.status ??= {}), newCondition(PROGRESSING, 'Unknown', PAUSED_REASON, 'Deployment is paused', now));
    } else if (d.spec?.paused !== true && pausedCond) {
      setCondition((d.status ??= {}), newCondition(PROGRESSING, 'Unknown', RESUMED_REASON, 'Deployment is resumed', now));
    } else {
      return;
    }
    await this.ops.updateStatus(d);
  }

  /** RSes the Deployment controls after adopting matching orphans and releasing non-matching ones. */
  private async getReplicaSetsForDeployment(d: Deployment): Promise<{ rsList: ReplicaSet[]; error?: Error }> {
    const ns = d.metadata?.namespace ?? '';
    let selector;
    try {
      selector = selectorFromLabelSelector(d.spec?.selector);
    } catch (err) {
      return { rsList: [], error: new Error(`deployment ${ns}/${d.metadata?.name ?? ''} has invalid label selector: ${(err as Error).message}`) };
    }
    const idx = this.replicaSets.getIndexer();
    const candidates = [...idx.byIndex(CONTROLLER_UID_INDEX, d.metadata?.uid ?? ''), ...idx.byIndex(CONTROLLER_UID_INDEX, orphanIndexKey(ns))];
    const { claimed, errors } = await claimObjects<ReplicaSet>(candidates, {
      owner: d,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'Deployment',
      selector,
      client: this.rsClient.namespace(ns),
      canAdopt: () => recheckOwner(() => this.dClient.namespace(ns).get(d.metadata?.name ?? ''), d),
    });
    return errors.length > 0 ? { rsList: claimed, error: errors[0] as Error } : { rsList: claimed };
  }

  private ownedReplicaSets(d: Deployment): ReplicaSet[] {
    return this.replicaSets.getIndexer().byIndex(CONTROLLER_UID_INDEX, d.metadata?.uid ?? '');
  }

  /** Pods by the uid of the RS that controls them, for each of `rsList`. */
  private podsByReplicaSet(rsList: readonly ReplicaSet[]): Map<string, Pod[]> {
    const out = new Map<string, Pod[]>();
    for (const rs of rsList) {
      const uid = rs.metadata?.uid ?? '';
      out.set(uid, this.pods.getIndexer().byIndex(CONTROLLER_UID_INDEX, uid));
    }
    return out;
  }
}

export const newDeploymentController = (ctx: ControllerContext): Controller => new DeploymentController(ctx);
