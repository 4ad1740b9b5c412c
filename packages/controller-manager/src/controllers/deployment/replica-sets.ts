// What a Deployment sync does to its ReplicaSets (pkg/controller/deployment/sync.go): find the
// new RS (template equal to the Deployment's, ignoring the hash label) and the old ones, keep
// revisions in step, create the new RS, scale (proportionally while a rollout is in flight),
// clean up history beyond revisionHistoryLimit, and compute the Deployment's status.
//
// The Deployment `d` is a private copy: its status and annotations are changed in place and
// written with updateStatus / writeRevision, which keep its resourceVersion current.
import type { Clock, Logger } from '@kubemu/base';
import type { Deployment, ReplicaSet } from '@kubemu/api';
import { isAlreadyExists, isNotFound } from '@kubemu/client';
import type { EventRecorder, Lister, ResourceClient } from '@kubemu/client';
import { controllerRefOf, hasStatusCause, newControllerRef } from '../../controller-utils';
import { DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY, REVISION_ANNOTATION, maxRevision, replicasAnnotationsNeedUpdate, revisionOf, setNewReplicaSetAnnotations, setReplicasAnnotations } from './annotations';
import { AVAILABLE, FAILED_RS_CREATE_REASON, FOUND_NEW_RS_REASON, MIN_AVAILABLE_REASON, MIN_UNAVAILABLE_REASON, NEW_RS_REASON, PROGRESSING, getCondition, hasProgressDeadline, newCondition, setCondition } from './conditions';
import type { DeploymentStatus } from './conditions';
import { computeHash, equalIgnoreHash } from './pod-template-hash';
import {
  activeReplicaSets,
  actualReplicas,
  availableReplicas,
  byCreation,
  bySizeNewer,
  bySizeOlder,
  findActiveOrLatest,
  isRollingUpdate,
  isSaturated,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportion,
  readyReplicas,
  replicasOf,
  rsReplicas,
  specReplicas,
} from './replica-math';

export interface ReplicaSetOpsDeps {
  rsClient: ResourceClient<ReplicaSet>;
  dClient: ResourceClient<Deployment>;
  rsLister: Lister<ReplicaSet>;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
}

export interface ReplicaSetsOfDeployment {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

const COUNTERS = ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'] as const;

/** The status as the wire has it: zero counters omitted (omitempty), keys in a fixed order for comparison. */
function canonicalStatus(s: DeploymentStatus | undefined): string {
  const out: Record<string, unknown> = {};
  for (const k of COUNTERS) if ((s?.[k] ?? 0) !== 0) out[k] = s?.[k];
  if (s?.conditions !== undefined && s.conditions.length > 0) out.conditions = s.conditions.map((c) => JSON.stringify(c, Object.keys(c).sort()));
  if (s?.collisionCount !== undefined) out.collisionCount = s.collisionCount;
  return JSON.stringify(out);
}

export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  return canonicalStatus(a) === canonicalStatus(b);
}

export class ReplicaSetOps {
  constructor(private readonly deps: ReplicaSetOpsDeps) {}

  // ---- writes of the Deployment itself --------------------------------------------------------

  /** PUT d.status; d keeps the new resourceVersion so later writes of this sync do not conflict. */
  async updateStatus(d: Deployment): Promise<void> {
    const out = await this.deps.dClient.namespace(d.metadata?.namespace ?? '').updateStatus(d);
    if (d.metadata !== undefined && out.metadata?.resourceVersion !== undefined) d.metadata.resourceVersion = out.metadata.resourceVersion;
  }

  /**
   * SetDeploymentRevision: the Deployment carries its new RS's revision in its annotations.
   * Status writes keep metadata as it was, so the annotation goes with a merge patch of its own.
   */
  async syncDeploymentRevision(d: Deployment, revision: string): Promise<void> {
    if (d.metadata?.annotations?.[REVISION_ANNOTATION] === revision) return;
    const out = await this.deps.dClient.namespace(d.metadata?.namespace ?? '').patch(d.metadata?.name ?? '', 'merge', { metadata: { annotations: { [REVISION_ANNOTATION]: revision } } });
    const meta = (d.metadata ??= {});
    meta.annotations = { ...meta.annotations, [REVISION_ANNOTATION]: revision };
    if (out.metadata?.resourceVersion !== undefined) meta.resourceVersion = out.metadata.resourceVersion;
  }

  // ---- finding the new and old ReplicaSets ------------------------------------------------------

  /** The oldest RS whose template equals the Deployment's (ignoring the hash label). */
  findNewReplicaSet(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet | undefined {
    return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
  }

  /**
   * getAllReplicaSetsAndSyncRevision: the new RS (created when `create` and missing) and every
   * other RS of the Deployment; the new RS's revision is raised above all old ones.
   */
  async getAllReplicaSetsAndSyncRevision(d: Deployment, rsList: readonly ReplicaSet[], create: boolean): Promise<ReplicaSetsOfDeployment> {
    const existing = this.findNewReplicaSet(d, rsList);
    const oldRSs = rsList.filter((rs) => rs.metadata?.uid !== existing?.metadata?.uid);
    const newRS = await this.getNewReplicaSet(d, existing, oldRSs, create);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(d: Deployment, existing: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const ns = d.metadata?.namespace ?? '';
    const newRevision = maxRevision(oldRSs) + 1;
    const want = replicasOf(d);
    const max = want + maxSurge(d);
    const now = this.deps.clock.wallNow();
    if (existing !== undefined) {
      const rsCopy = structuredClone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, rsCopy, newRevision, true, want, max);
      const minReady = d.spec?.minReadySeconds ?? 0;
      if (annotationsUpdated || (rsCopy.spec?.minReadySeconds ?? 0) !== minReady) {
        if (rsCopy.spec !== undefined) rsCopy.spec.minReadySeconds = minReady;
        // The Deployment's revision follows on the sync this update triggers.
        return this.deps.rsClient.namespace(ns).update(rsCopy);
      }
      await this.syncDeploymentRevision(d, rsCopy.metadata?.annotations?.[REVISION_ANNOTATION] ?? '');
      if (hasProgressDeadline(d) && getCondition(d.status, PROGRESSING) === undefined) {
        setCondition((d.status ??= {}), newCondition(PROGRESSING, 'True', FOUND_NEW_RS_REASON, `Found new replica set "${rsCopy.metadata?.name ?? ''}"`, now));
        await this.updateStatus(d);
      }
      return rsCopy;
    }
    if (!create) return undefined;
    return this.createNewReplicaSet(d, oldRSs, newRevision);
  }

  private async createNewReplicaSet(d: Deployment, oldRSs: readonly ReplicaSet[], newRevision: number): Promise<ReplicaSet> {
    const ns = d.metadata?.namespace ?? '';
    const want = replicasOf(d);
    const template = structuredClone(d.spec?.template ?? {});
    const hash = computeHash(d.spec?.template, d.status?.collisionCount);
    const labels = { ...(template.metadata?.labels ?? {}), [DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY]: hash };
    template.metadata = { ...template.metadata, labels };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY]: hash };
    const name = `${d.metadata?.name ?? ''}-${hash}`;
    const newRS: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name, namespace: ns, ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')], labels },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const count = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    (newRS.spec as NonNullable<ReplicaSet['spec']>).replicas = count;
    setNewReplicaSetAnnotations(d, newRS, newRevision, false, want, want + maxSurge(d));
    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.deps.rsClient.namespace(ns).create(newRS);
    } catch (err) {
      if (isAlreadyExists(err)) {
        const rs = this.deps.rsLister.get(ns, name);
        if (rs !== undefined && controllerRefOf(rs)?.uid === d.metadata?.uid && equalIgnoreHash(d.spec?.template, rs.spec?.template)) {
          created = rs;
          alreadyExists = true;
        } else {
          // A hash collision: another template hashed to this name. Bump the count and retry later.
          const status = (d.status ??= {});
          status.collisionCount = (status.collisionCount ?? 0) + 1;
          await this.updateStatus(d).catch(() => undefined);
          throw err;
        }
      } else {
        if (hasStatusCause(err, 'NamespaceTerminating')) throw err;
        const msg = `Failed to create new replica set "${name}": ${(err as Error).message}`;
        if (hasProgressDeadline(d)) {
          setCondition((d.status ??= {}), newCondition(PROGRESSING, 'False', FAILED_RS_CREATE_REASON, msg, this.deps.clock.wallNow()));
          await this.updateStatus(d).catch(() => undefined);
        }
        this.deps.recorder.eventf(d, 'Warning', FAILED_RS_CREATE_REASON, msg);
        throw err;
      }
    }
    if (!alreadyExists && count > 0) {
      this.deps.recorder.eventf(d, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set %s from 0 to %d', created.metadata?.name ?? '', count);
    }
    await this.syncDeploymentRevision(d, String(newRevision));
    if (!alreadyExists && hasProgressDeadline(d)) {
      setCondition((d.status ??= {}), newCondition(PROGRESSING, 'True', NEW_RS_REASON, `Created new replica set "${created.metadata?.name ?? ''}"`, this.deps.clock.wallNow()));
      await this.updateStatus(d);
    }
    return created;
  }

  // ---- scaling --------------------------------------------------------------------------------

  /**
   * scale: one active RS (or none) takes the whole size; a saturated new RS retires the old
   * ones; otherwise, during a rolling update, the change is spread over the active RSes in
   * proportion to their sizes, leftovers to the largest.
   */
  async scale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): Promise<void> {
    const want = replicasOf(d);
    const only = findActiveOrLatest(newRS, oldRSs);
    if (only !== undefined) {
      if (rsReplicas(only) !== want) await this.scaleAndRecord(only, want, d);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeReplicaSets(oldRSs)) await this.scaleAndRecord(old, 0, d);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const all = activeReplicaSets([...oldRSs, newRS]);
    const allowed = want > 0 ? want + maxSurge(d) : 0;
    const toAdd = allowed - specReplicas(all);
    let op = '';
    if (toAdd > 0) {
      all.sort(bySizeNewer);
      op = 'up';
    } else if (toAdd < 0) {
      all.sort(bySizeOlder);
      op = 'down';
    }
    let added = 0;
    const sizes = new Map<string, number>();
    for (const rs of all) {
      const p = toAdd !== 0 ? proportion(rs, d, toAdd, added) : 0;
      sizes.set(rs.metadata?.name ?? '', rsReplicas(rs) + p);
      added += p;
    }
    for (const [i, rs] of all.entries()) {
      const name = rs.metadata?.name ?? '';
      if (i === 0 && toAdd !== 0) sizes.set(name, Math.max(0, (sizes.get(name) ?? 0) + toAdd - added));
      await this.scaleReplicaSet(rs, sizes.get(name) ?? 0, d, op);
    }
  }

  /** Scales unless already at `newScale`; the event says "up" or "down". */
  async scaleAndRecord(rs: ReplicaSet, newScale: number, d: Deployment): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (rsReplicas(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale, d, rsReplicas(rs) < newScale ? 'up' : 'down');
  }

  /** Writes spec.replicas and the size annotations when either is off; events only for size changes. */
  async scaleReplicaSet(rs: ReplicaSet, newScale: number, d: Deployment, op: string): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const want = replicasOf(d);
    const max = want + maxSurge(d);
    const sizeChange = rsReplicas(rs) !== newScale;
    if (!sizeChange && !replicasAnnotationsNeedUpdate(rs, want, max)) return { scaled: false, rs };
    const oldScale = rsReplicas(rs);
    const copy = structuredClone(rs);
    (copy.spec ??= { selector: {} }).replicas = newScale;
    setReplicasAnnotations(copy, want, max);
    const updated = await this.deps.rsClient.namespace(rs.metadata?.namespace ?? '').update(copy);
    if (sizeChange) {
      this.deps.recorder.eventf(d, 'Normal', 'ScalingReplicaSet', 'Scaled %s replica set %s from %d to %d', op, updated.metadata?.name ?? '', oldScale, newScale);
    }
    return { scaled: sizeChange, rs: updated };
  }

  // ---- history and status -----------------------------------------------------------------------

  /** Deletes the oldest fully scaled-down RSes beyond spec.revisionHistoryLimit. */
  async cleanupDeployment(oldRSs: readonly ReplicaSet[], d: Deployment): Promise<void> {
    const limit = d.spec?.revisionHistoryLimit;
    if (limit === undefined) return;
    const cleanable = oldRSs.filter((rs) => rs.metadata?.deletionTimestamp === undefined);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0) continue;
      if ((rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.deps.rsClient.namespace(rs.metadata?.namespace ?? '').delete(rs.metadata?.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** The Deployment's status from its ReplicaSets; Available follows minimum availability. */
  calculateStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): DeploymentStatus {
    const available = availableReplicas(allRSs);
    const total = specReplicas(allRSs);
    const status: DeploymentStatus = {
      observedGeneration: d.metadata?.generation ?? 0,
      replicas: actualReplicas(allRSs),
      updatedReplicas: actualReplicas([newRS]),
      readyReplicas: readyReplicas(allRSs),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, total - available),
    };
    for (const k of COUNTERS) if (status[k] === 0) delete status[k];
    if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
    if (d.status?.conditions !== undefined) status.conditions = d.status.conditions.map((c) => ({ ...c }));
    const now = this.deps.clock.wallNow();
    if (available >= replicasOf(d) - maxUnavailable(d)) {
      setCondition(status, newCondition(AVAILABLE, 'True', MIN_AVAILABLE_REASON, 'Deployment has minimum availability.', now));
    } else {
      setCondition(status, newCondition(AVAILABLE, 'False', MIN_UNAVAILABLE_REASON, 'Deployment does not have minimum availability.', now));
    }
    return status;
  }

  /** syncDeploymentStatus: write the calculated status if it differs. */
  async syncDeploymentStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
    const status = this.calculateStatus(allRSs, newRS, d);
    if (statusEqual(d.status, status)) return;
    d.status = status;
    await this.updateStatus(d);
  }
}
