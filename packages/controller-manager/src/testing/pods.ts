// Test support: what a kubelet would do to a pod, done to the fake's stored pods directly.
import type { Pod } from '@kubemu/api';
import type { ControllerHarness } from './controller-harness';

export const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true } as const;

/** Binds the pod to a node and marks it Running and Ready since `readySinceMs` (wall). */
export function markRunningReady(h: ControllerHarness, pod: Pod, node = 'node-1', ip?: string, readySinceMs = h.clock.wallNow()): void {
  const since = new Date(readySinceMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const next: Pod = structuredClone(pod);
  next.spec = { ...(next.spec as NonNullable<Pod['spec']>), nodeName: next.spec?.nodeName ?? node };
  next.status = {
    ...next.status,
    phase: 'Running',
    ...(ip !== undefined ? { podIP: ip, podIPs: [{ ip }] } : {}),
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: since },
      { type: 'Ready', status: 'True', lastTransitionTime: since },
    ],
  };
  h.fake.seed(next);
}

/** Marks the pod Running but not Ready. */
export function markRunningNotReady(h: ControllerHarness, pod: Pod, node = 'node-1', ip?: string): void {
  const now = new Date(h.clock.wallNow()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const next: Pod = structuredClone(pod);
  next.spec = { ...(next.spec as NonNullable<Pod['spec']>), nodeName: next.spec?.nodeName ?? node };
  next.status = {
    ...next.status,
    phase: 'Running',
    ...(ip !== undefined ? { podIP: ip, podIPs: [{ ip }] } : {}),
    conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now }],
  };
  h.fake.seed(next);
}

/** Every stored pod of a namespace that is not being deleted. */
export function livePods(h: ControllerHarness, namespace = 'default'): Pod[] {
  return h.objects<Pod>(PODS, namespace).filter((p) => p.metadata?.deletionTimestamp === undefined);
}

/** Marks every live pod of the namespace Running and Ready. */
export function readyAll(h: ControllerHarness, namespace = 'default'): void {
  for (const p of livePods(h, namespace)) if (p.status?.phase !== 'Running') markRunningReady(h, p);
}
