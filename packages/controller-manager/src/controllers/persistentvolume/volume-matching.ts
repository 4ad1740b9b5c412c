// Which PersistentVolume fits a claim (kube's findBestMatchForClaim): same storage class and
// volume mode, every requested access mode offered, capacity at least the request, labels
// matching the claim's selector; among those, the smallest. A volume pre-bound to the claim
// (spec.claimRef naming it) wins over any other.
import type { PersistentVolume, PersistentVolumeClaim } from '@kubemu/api';
import { Quantity, selectorFromLabelSelector } from '@kubemu/api';

export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';

function storage(q: string | undefined): Quantity | undefined {
  if (q === undefined) return undefined;
  const parsed = Quantity.tryParse(q);
  return parsed instanceof Quantity ? parsed : undefined;
}

export function claimClass(pvc: PersistentVolumeClaim): string {
  return pvc.spec?.storageClassName ?? '';
}

export function volumeClass(pv: PersistentVolume): string {
  return pv.spec?.storageClassName ?? '';
}

/** spec.claimRef names this claim (and, if it carries a uid, this very claim). */
export function isPreBoundTo(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.namespace !== pvc.metadata?.namespace || ref.name !== pvc.metadata?.name) return false;
  return !ref.uid || ref.uid === pvc.metadata?.uid;
}

function fits(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  if (pv.metadata?.deletionTimestamp !== undefined) return false;
  if (volumeClass(pv) !== claimClass(pvc)) return false;
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (pvc.spec?.volumeMode ?? 'Filesystem')) return false;
  const offered = new Set(pv.spec?.accessModes ?? []);
  if (!(pvc.spec?.accessModes ?? []).every((m) => offered.has(m))) return false;
  const want = storage(pvc.spec?.resources?.requests?.['storage']);
  const have = storage(pv.spec?.capacity?.['storage']);
  if (want !== undefined && (have === undefined || have.cmp(want) < 0)) return false;
  if (pvc.spec?.selector) {
    try {
      if (!selectorFromLabelSelector(pvc.spec.selector).matches(pv.metadata?.labels ?? undefined)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

export function findBestMatch(volumes: readonly PersistentVolume[], pvc: PersistentVolumeClaim): PersistentVolume | undefined {
  const preBound = volumes.find((pv) => isPreBoundTo(pv, pvc) && fits(pv, pvc));
  if (preBound !== undefined) return preBound;
  let best: PersistentVolume | undefined;
  for (const pv of volumes) {
    if (pv.spec?.claimRef) continue;
    if (pv.status?.phase !== undefined && pv.status.phase !== 'Available' && pv.status.phase !== 'Pending') continue;
    if (!fits(pv, pvc)) continue;
    const size = storage(pv.spec?.capacity?.['storage']);
    const bestSize = storage(best?.spec?.capacity?.['storage']);
    if (best === undefined || (size !== undefined && bestSize !== undefined && size.cmp(bestSize) < 0)) best = pv;
  }
  return best;
}
