// The two rollout strategies (rolling.go, recreate.go) and the progress bookkeeping of
// progress.go. Each call does one step and returns; the resulting ReplicaSet and pod events
// bring the Deployment back for the next step.
import type { Deployment, Pod, ReplicaSet } from '@kubemu/api';
import { ReplicaSetOps, statusEqual } from './replica-sets';
import {
  NEW_RS_AVAILABLE_REASON,
  PROGRESSING,
  REPLICA_FAILURE,
  RS_UPDATED_REASON,
  TIMED_OUT_REASON,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  hasProgressDeadline,
  newCondition,
  removeCondition,
  setCondition,
} from './conditions';
import { activeReplicaSets, availableReplicas, byCreation, maxUnavailable, newRSNewReplicas, replicasOf, rsReplicas, specReplicas, actualReplicas } from './replica-math';

export interface Requeue {
  after(d: Deployment, ms: number): void;
  rateLimited(d: Deployment): void;
}

export class Rollout {
  constructor(
    private readonly ops: ReplicaSetOps,
    private readonly requeue: Requeue,
    private readonly now: () => number,
  ) {}

  // ---- RollingUpdate ---------------------------------------------------------------------------

  async rolling(d: Deployment, rsList: readonly ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.ops.getAllReplicaSetsAndSyncRevision(d, rsList, true);
    const all = [...oldRSs, newRS];
    if (newRS !== undefined && (await this.reconcileNewReplicaSet(all, newRS, d))) return this.syncRolloutStatus(all, newRS, d);
    if (await this.reconcileOldReplicaSets(all, activeReplicaSets(oldRSs), newRS, d)) return this.syncRolloutStatus(all, newRS, d);
    if (deploymentComplete(d, d.status ?? {})) await this.ops.cleanupDeployment(oldRSs, d);
    return this.syncRolloutStatus(all, newRS, d);
  }

  /** Grows the new RS as far as maxSurge allows (or shrinks it to spec.replicas). */
  private async reconcileNewReplicaSet(all: (ReplicaSet | undefined)[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
    const want = replicasOf(d);
    if (rsReplicas(newRS) === want) return false;
    if (rsReplicas(newRS) > want) return (await this.ops.scaleAndRecord(newRS, want, d)).scaled;
    return (await this.ops.scaleAndRecord(newRS, newRSNewReplicas(d, all, newRS), d)).scaled;
  }

  /**
   * Shrinks old RSes as far as maxUnavailable allows: first their unhealthy replicas (which
   * cost no availability), then available ones, oldest RS first.
   */
  private async reconcileOldReplicaSets(all: (ReplicaSet | undefined)[], oldRSs: ReplicaSet[], newRS: ReplicaSet | undefined, d: Deployment): Promise<boolean> {
    if (specReplicas(oldRSs) === 0) return false;
    const allPods = specReplicas(all);
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = rsReplicas(newRS) - (newRS?.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    const { rss: cleaned, scaled: cleanedCount } = await this.cleanupUnhealthyReplicas(oldRSs, d, maxScaledDown);
    const scaledDown = await this.scaleDownOldForRollingUpdate([...cleaned, newRS], cleaned, d);
    return cleanedCount + scaledDown > 0;
  }

  private async cleanupUnhealthyReplicas(oldRSs: ReplicaSet[], d: Deployment, maxCleanup: number): Promise<{ rss: ReplicaSet[]; scaled: number }> {
    const rss = [...oldRSs].sort(byCreation);
    let total = 0;
    for (const [i, rs] of rss.entries()) {
      if (total >= maxCleanup) break;
      const unhealthy = rsReplicas(rs) - (rs.status?.availableReplicas ?? 0);
      if (rsReplicas(rs) === 0 || unhealthy <= 0) continue;
      const count = Math.min(maxCleanup - total, unhealthy);
      const { rs: updated } = await this.ops.scaleAndRecord(rs, rsReplicas(rs) - count, d);
      total += count;
      rss[i] = updated;
    }
    return { rss, scaled: total };
  }

  private async scaleDownOldForRollingUpdate(all: (ReplicaSet | undefined)[], oldRSs: ReplicaSet[], d: Deployment): Promise<number> {
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const available = availableReplicas(all);
    if (available <= minAvailable) return 0;
    const budget = available - minAvailable;
    let total = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (total >= budget) break;
      if (rsReplicas(rs) === 0) continue;
      const count = Math.min(rsReplicas(rs), budget - total);
      await this.ops.scaleAndRecord(rs, rsReplicas(rs) - count, d);
      total += count;
    }
    return total;
  }

  // ---- Recreate -------------------------------------------------------------------------------

  /** Old RSes to 0; wait until none of their pods runs; then the new RS at full size. */
  async recreate(d: Deployment, rsList: readonly ReplicaSet[], podsByRS: ReadonlyMap<string, Pod[]>): Promise<void> {
    let { newRS, oldRSs } = await this.ops.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    let all: (ReplicaSet | undefined)[] = [...oldRSs, newRS];
    let scaledDown = false;
    for (const rs of activeReplicaSets(oldRSs)) {
      if ((await this.ops.scaleAndRecord(rs, 0, d)).scaled) scaledDown = true;
    }
    if (scaledDown) return this.syncRolloutStatus(all, newRS, d);
    if (oldPodsRunning(newRS, oldRSs, podsByRS)) return this.syncRolloutStatus(all, newRS, d);
    if (newRS === undefined) {
      ({ newRS, oldRSs } = await this.ops.getAllReplicaSetsAndSyncRevision(d, rsList, true));
      all = [...oldRSs, newRS];
    }
    if (newRS !== undefined) await this.ops.scaleAndRecord(newRS, replicasOf(d), d);
    if (deploymentComplete(d, d.status ?? {})) await this.ops.cleanupDeployment(oldRSs, d);
    return this.syncRolloutStatus(all, newRS, d);
  }

  // ---- progress --------------------------------------------------------------------------------

  /** Status plus the Progressing condition: complete, progressing, or timed out. */
  async syncRolloutStatus(all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
    const status = this.ops.calculateStatus(all, newRS, d);
    if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);
    const current = getCondition(d.status, PROGRESSING);
    const complete = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === NEW_RS_AVAILABLE_REASON;
    const now = this.now();
    if (hasProgressDeadline(d) && !complete) {
      const rsName = newRS?.metadata?.name;
      const dName = d.metadata?.name ?? '';
      if (deploymentComplete(d, status)) {
        const msg = rsName !== undefined ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${dName}" has successfully progressed.`;
        setCondition(status, newCondition(PROGRESSING, 'True', NEW_RS_AVAILABLE_REASON, msg, now));
      } else if (deploymentProgressing(d, status)) {
        const msg = rsName !== undefined ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${dName}" is progressing.`;
        const cond = newCondition(PROGRESSING, 'True', RS_UPDATED_REASON, msg, now);
        // Progress refreshes lastUpdateTime (the deadline counts from it) even with the same reason.
        if (current !== undefined) {
          if (current.status === 'True' && current.lastTransitionTime !== undefined) cond.lastTransitionTime = current.lastTransitionTime;
          removeCondition(status, PROGRESSING);
        }
        setCondition(status, cond);
      } else if (deploymentTimedOut(d, status, now)) {
        const msg = rsName !== undefined ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${dName}" has timed out progressing.`;
        setCondition(status, newCondition(PROGRESSING, 'False', TIMED_OUT_REASON, msg, now));
      }
    }
    const failure = replicaFailure(all, newRS);
    if (failure !== undefined) setCondition(status, { ...failure });
    else removeCondition(status, REPLICA_FAILURE);
    if (statusEqual(d.status, status)) {
      this.requeueStuckDeployment(d, status);
      return;
    }
    d.status = status;
    await this.ops.updateStatus(d);
  }

  /** With no progress to report, come back when the deadline would pass, to time out on time. */
  private requeueStuckDeployment(d: Deployment, status: NonNullable<Deployment['status']>): void {
    const current = getCondition(d.status, PROGRESSING);
    if (!hasProgressDeadline(d) || current === undefined) return;
    if (deploymentComplete(d, status) || current.reason === TIMED_OUT_REASON) return;
    const last = Date.parse(current.lastUpdateTime ?? '');
    if (Number.isNaN(last)) return;
    const after = last + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - this.now();
    if (after < 1000) this.requeue.rateLimited(d);
    else this.requeue.after(d, after + 1000);
  }
}

/** The new RS's ReplicaFailure condition, else the first old one's, as a Deployment condition. */
function replicaFailure(all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): NonNullable<NonNullable<Deployment['status']>['conditions']>[number] | undefined {
  for (const rs of [newRS, ...all]) {
    const c = rs?.status?.conditions?.find((x) => x.type === REPLICA_FAILURE);
    if (c !== undefined) {
      const cond: NonNullable<NonNullable<Deployment['status']>['conditions']>[number] = { type: REPLICA_FAILURE, status: c.status };
      if (c.lastTransitionTime !== undefined) {
        cond.lastUpdateTime = c.lastTransitionTime;
        cond.lastTransitionTime = c.lastTransitionTime;
      }
      if (c.reason !== undefined) cond.reason = c.reason;
      if (c.message !== undefined) cond.message = c.message;
      return cond;
    }
  }
  return undefined;
}

/** Any pod of an old RS still running (or in an unknown state), or old RSes still reporting pods. */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], podsByRS: ReadonlyMap<string, Pod[]>): boolean {
  if (actualReplicas(oldRSs) > 0) return true;
  for (const [uid, pods] of podsByRS) {
    if (newRS !== undefined && newRS.metadata?.uid === uid) continue;
    for (const p of pods) {
      const phase = p.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}
