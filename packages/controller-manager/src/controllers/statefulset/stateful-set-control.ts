// One step of a StatefulSet toward its spec, given its pods and revisions as the caches show them.
// Invariants of the ordered policy (OrderedReady, the default):
//   - pod N is created only when pods 0..N-1 are Running and Ready;
//   - on scale down, the highest ordinal goes first, and only when every other pod is healthy;
//   - a rolling update replaces pods from the highest ordinal down to the partition, one at a
//     time, each only after the previous one came back Running and Ready.
// Parallel creates and deletes without waiting; its rolling update is still one pod at a time.
// Pod names are deterministic, so a create that races an unobserved earlier create fails with
// AlreadyExists instead of making a second pod: no expectations are needed.
import type { Clock } from '@kubemu/base';
import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet } from '@kubemu/api';
import { mustFindResource } from '@kubemu/api';
import { isAlreadyExists, isNotFound } from '@kubemu/client';
import type { EventRecorder, Lister, RestClient } from '@kubemu/client';
import {
  equalRevisions,
  newControllerRevision,
  nextRevisionNumber,
  sortRevisions,
  stableStringify,
  templateOf,
  templatePatch,
} from './controller-history';
import {
  claimsFor,
  hasTerminated,
  isHealthy,
  isRunningAndReady,
  isTerminating,
  msUntilAvailable,
  newStatefulPod,
  ordinalOf,
  podName,
  revisionOf,
  startOrdinal,
} from './stateful-pods';


export const PODS = mustFindResource('', 'pods', 'v1');
export const PVCS = mustFindResource('', 'persistentvolumeclaims', 'v1');
export const STATEFULSETS = mustFindResource('apps', 'statefulsets', 'v1');
export const CONTROLLER_REVISIONS = mustFindResource('apps', 'controllerrevisions', 'v1');

export interface StatefulSetControlDeps {
  client: RestClient;
  recorder: EventRecorder;
  clock: Clock;
  claims: Lister<PersistentVolumeClaim>;
  /** Asks for another sync of this set after `ms` (minReadySeconds). */
  requeueAfter(ms: number): void;
}

type SetStatus = NonNullable<StatefulSet['status']>;

export interface Revisions {
  current: ControllerRevision;
  update: ControllerRevision;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class StatefulSetControl {
  constructor(private readonly d: StatefulSetControlDeps) {}

  /** One pass: revisions, pods, then status. Returns an error to be retried. */
  async sync(set: StatefulSet, pods: Pod[], revisions: ControllerRevision[]): Promise<Error | void> {
    const revs = await this.ensureRevisions(set, revisions);
    if (revs instanceof Error) return revs;
    let err: Error | void;
    try {
      err = await this.updatePods(set, pods, revs);
    } catch (thrown) {
      err = thrown instanceof Error ? thrown : new Error(String(thrown));
    }
    const statusErr = await this.updateStatus(set, pods, revs);
    await this.truncateHistory(set, pods, revisions, revs);
    return err ?? statusErr;
  }

  /** The update revision (the current template) and the current one (what status names, or the update one). */
  private async ensureRevisions(set: StatefulSet, revisions: ControllerRevision[]): Promise<Revisions | Error> {
    const data = templatePatch(set.spec?.template);
    const sorted = sortRevisions(revisions);
    const equal = equalRevisions(sorted, data);
    const revClient = this.d.client.resource<ControllerRevision>(CONTROLLER_REVISIONS).namespace(set.metadata?.namespace ?? '');
    let update: ControllerRevision;
    const latest = sorted[sorted.length - 1];
    const existing = equal[equal.length - 1];
    try {
      if (existing !== undefined && existing === latest) {
        update = existing;
      } else if (existing !== undefined) {
        // Rolling back to an earlier template: that revision becomes the newest again.
        update = await revClient.update({ ...structuredClone(existing), revision: nextRevisionNumber(sorted) });
      } else {
        const fresh = newControllerRevision({
          parent: set,
          labels: set.spec?.template?.metadata?.labels ?? {},
          data,
          revision: nextRevisionNumber(sorted),
          collisionCount: set.status?.collisionCount ?? 0,
        });
        try {
          update = await revClient.create(fresh);
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          const found = await revClient.get(fresh.metadata?.name ?? '');
          if (equalRevisions([found], data).length === 0) {
            // A hash collision with a different snapshot: bump collisionCount and try a new name.
            await this.writeStatus(set, { ...(set.status ?? { replicas: 0 }), collisionCount: (set.status?.collisionCount ?? 0) + 1 });
            return new Error(`controller revision ${fresh.metadata?.name ?? ''} collides with an existing revision`);
          }
          update = found;
        }
      }
    } catch (err) {
      return new Error(`creating the revision of statefulset ${set.metadata?.name ?? ''}: ${errorText(err)}`);
    }
    const current = sorted.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
    return { current, update };
  }

  /** Creates, recreates and deletes pods; stops early where the ordered policy says to wait. */
  private async updatePods(set: StatefulSet, pods: Pod[], revs: Revisions): Promise<Error | void> {
    const replicas = set.spec?.replicas ?? 1;
    const start = startOrdinal(set);
    const monotonic = set.spec?.podManagementPolicy !== 'Parallel';
    const minReady = set.spec?.minReadySeconds ?? 0;
    const slots: (Pod | undefined)[] = Array.from({ length: replicas }, () => undefined);
    const condemned: Pod[] = [];
    for (const pod of pods) {
      const ord = ordinalOf(set, pod);
      if (ord === undefined) continue;
      if (ord >= start && ord < start + replicas) slots[ord - start] = pod;
      else condemned.push(pod);
    }
    condemned.sort((a, b) => (ordinalOf(set, b) ?? 0) - (ordinalOf(set, a) ?? 0));

    for (let i = 0; i < replicas; i++) {
      const ordinal = start + i;
      let pod = slots[i];
      if (pod !== undefined && hasTerminated(pod) && !isTerminating(pod)) {
        const failed = pod.status?.phase === 'Failed';
        this.d.recorder.eventf(set, failed ? 'Warning' : 'Normal', failed ? 'RecreatingFailedPod' : 'RecreatingTerminatedPod',
          'StatefulSet %s/%s is recreating %s Pod %s', set.metadata?.namespace, set.metadata?.name, failed ? 'failed' : 'terminated', pod.metadata?.name);
        await this.deletePod(set, pod);
        slots[i] = undefined;
        if (monotonic) return;
        pod = undefined;
      }
      if (pod === undefined) {
        const created = await this.createPod(set, revs, ordinal);
        if (created instanceof Error) return created;
        slots[i] = created;
        if (monotonic) return;
        continue;
      }
      if (!monotonic) continue;
      // OrderedReady: the next ordinal waits for this one to be Running, Ready and available.
      if (isTerminating(pod) || !isRunningAndReady(pod)) return;
      const wait = msUntilAvailable(pod, minReady, this.d.clock.wallNow());
      if (wait !== undefined && wait > 0) {
        this.d.requeueAfter(wait);
        return;
      }
    }

    // Scale down, highest ordinal first.
    const firstUnhealthy = [...slots, ...[...condemned].reverse()].find((p) => p !== undefined && !isHealthy(p));
    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return;
        continue;
      }
      if (monotonic && firstUnhealthy !== undefined && firstUnhealthy !== pod) return;
      await this.deletePod(set, pod);
      if (monotonic) return;
    }

    if (set.spec?.updateStrategy?.type === 'OnDelete') return;
    const partition = Math.max(0, set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0);
    for (let i = replicas - 1; i >= partition; i--) {
      const pod = slots[i];
      if (pod === undefined) return;
      if (revisionOf(pod) !== revs.update.metadata?.name && !isTerminating(pod)) {
        await this.deletePod(set, pod);
        return;
      }
      if (!isHealthy(pod)) return;
    }
  }

  /** Creates the pod's claims (if missing) and the pod, of the revision its ordinal gets. */
  private async createPod(set: StatefulSet, revs: Revisions, ordinal: number): Promise<Pod | Error> {
    const ns = set.metadata?.namespace ?? '';
    const name = podName(set, ordinal);
    for (const claim of claimsFor(set, ordinal)) {
      const claimName = claim.metadata?.name ?? '';
      const cached = this.d.claims.get(ns, claimName);
      if (cached !== undefined) {
        if (cached.metadata?.deletionTimestamp !== undefined) return new Error(`pvc ${claimName} is being deleted`);
        continue;
      }
      try {
        await this.d.client.resource<PersistentVolumeClaim>(PVCS).namespace(ns).create(claim);
        this.d.recorder.eventf(set, 'Normal', 'SuccessfulCreate', 'create Claim %s Pod %s in StatefulSet %s success', claimName, name, set.metadata?.name);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        this.d.recorder.eventf(set, 'Warning', 'FailedCreate', 'create Claim %s for Pod %s in StatefulSet %s failed error: %s', claimName, name, set.metadata?.name, errorText(err));
        return new Error(`failed to create PVC ${claimName}: ${errorText(err)}`);
      }
    }
    const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    const useCurrent = set.spec?.updateStrategy?.type !== 'OnDelete' && ordinal - startOrdinal(set) < partition;
    const rev = useCurrent ? revs.current : revs.update;
    const template = (useCurrent ? templateOf(rev) : undefined) ?? set.spec?.template ?? {};
    const pod = newStatefulPod(set, template, rev.metadata?.name ?? '', ordinal);
    try {
      const created = await this.d.client.resource<Pod>(PODS).namespace(ns).create(pod);
      this.d.recorder.eventf(set, 'Normal', 'SuccessfulCreate', 'create Pod %s in StatefulSet %s successful', name, set.metadata?.name);
      return created;
    } catch (err) {
      if (isAlreadyExists(err)) return pod;
      this.d.recorder.eventf(set, 'Warning', 'FailedCreate', 'create Pod %s in StatefulSet %s failed error: %s', name, set.metadata?.name, errorText(err));
      return new Error(`creating pod ${name}: ${errorText(err)}`);
    }
  }

  private async deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    const name = pod.metadata?.name ?? '';
    try {
      await this.d.client.resource<Pod>(PODS).namespace(pod.metadata?.namespace ?? '').delete(name, { preconditions: { uid: pod.metadata?.uid ?? '' } });
      this.d.recorder.eventf(set, 'Normal', 'SuccessfulDelete', 'delete Pod %s in StatefulSet %s successful', name, set.metadata?.name);
    } catch (err) {
      if (isNotFound(err)) return;
      this.d.recorder.eventf(set, 'Warning', 'FailedDelete', 'delete Pod %s in StatefulSet %s failed error: %s', name, set.metadata?.name, errorText(err));
      throw err;
    }
  }

  private async updateStatus(set: StatefulSet, pods: Pod[], revs: Revisions): Promise<Error | void> {
    const minReady = set.spec?.minReadySeconds ?? 0;
    const now = this.d.clock.wallNow();
    const status: SetStatus = {
      observedGeneration: set.metadata?.generation ?? 0,
      replicas: 0,
      readyReplicas: 0,
      availableReplicas: 0,
      currentReplicas: 0,
      updatedReplicas: 0,
      currentRevision: revs.current.metadata?.name ?? '',
      updateRevision: revs.update.metadata?.name ?? '',
      collisionCount: set.status?.collisionCount ?? 0,
    };
    for (const pod of pods) {
      if (ordinalOf(set, pod) === undefined) continue;
      status.replicas++;
      if (isRunningAndReady(pod)) {
        status.readyReplicas = (status.readyReplicas ?? 0) + 1;
        if (msUntilAvailable(pod, minReady, now) === 0) status.availableReplicas = (status.availableReplicas ?? 0) + 1;
      }
      if (isTerminating(pod)) continue;
      if (revisionOf(pod) === status.currentRevision) status.currentReplicas = (status.currentReplicas ?? 0) + 1;
      if (revisionOf(pod) === status.updateRevision) status.updatedReplicas = (status.updatedReplicas ?? 0) + 1;
    }
    // A finished rolling update: every pod is of the update revision and ready.
    if (set.spec?.updateStrategy?.type !== 'OnDelete' && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
      status.currentReplicas = status.updatedReplicas;
      status.currentRevision = status.updateRevision;
    }
    if (set.status?.conditions) status.conditions = set.status.conditions;
    return this.writeStatus(set, status);
  }

  private async writeStatus(set: StatefulSet, status: SetStatus): Promise<Error | void> {
    if (stableStringify(status) === stableStringify(set.status ?? {})) return;
    try {
      await this.d.client.resource<StatefulSet>(STATEFULSETS).namespace(set.metadata?.namespace ?? '').updateStatus({ ...set, status });
    } catch (err) {
      return new Error(`updating status of statefulset ${set.metadata?.name ?? ''}: ${errorText(err)}`);
    }
  }

  /** Keeps revisionHistoryLimit revisions besides the current and update ones and those pods use. */
  private async truncateHistory(set: StatefulSet, pods: Pod[], revisions: ControllerRevision[], revs: Revisions): Promise<void> {
    const live = new Set([revs.current.metadata?.name, revs.update.metadata?.name, ...pods.map(revisionOf)]);
    const history = sortRevisions(revisions).filter((r) => !live.has(r.metadata?.name));
    const limit = set.spec?.revisionHistoryLimit ?? 10;
    const revClient = this.d.client.resource<ControllerRevision>(CONTROLLER_REVISIONS).namespace(set.metadata?.namespace ?? '');
    for (const old of history.slice(0, Math.max(0, history.length - limit))) {
      try {
        await revClient.delete(old.metadata?.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) return;
      }
    }
  }
}
