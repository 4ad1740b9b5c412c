// What the node lifecycle controller derives from a Node: the conditions it sets when the kubelet
// goes quiet, and the taints that conditions imply (TaintNodesByCondition for NoSchedule, and the
// NoExecute not-ready/unreachable taints that drive eviction).
import type { Node } from '@kubemu/api';
import {
  TAINT_DISK_PRESSURE,
  TAINT_MEMORY_PRESSURE,
  TAINT_NETWORK_UNAVAILABLE,
  TAINT_NOT_READY,
  TAINT_PID_PRESSURE,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
  sameTaint,
} from './taints';
import type { Taint } from './taints';

export type NodeCondition = NonNullable<NonNullable<Node['status']>['conditions']>[number];

/** The conditions set to Unknown when the kubelet stops posting status. */
export const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

/** Taints this controller owns: it adds and removes them; any other taint is left alone. */
const MANAGED_KEYS = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, TAINT_MEMORY_PRESSURE, TAINT_DISK_PRESSURE, TAINT_PID_PRESSURE, TAINT_NETWORK_UNAVAILABLE]);

export function readyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

/** Ready as the node reports it: True, False or Unknown (no condition counts as Unknown). */
export function readyStatus(node: Node): string {
  return readyCondition(node)?.status ?? 'Unknown';
}

/**
 * The conditions with every monitored one Unknown (reason NodeStatusUnknown, or
 * NodeStatusNeverUpdated for one never posted); undefined when nothing changes.
 */
export function conditionsWhenUnreachable(node: Node, now: string): NodeCondition[] | undefined {
  const conditions = structuredClone(node.status?.conditions ?? []);
  let changed = false;
  for (const type of MONITORED_CONDITIONS) {
    const c = conditions.find((x) => x.type === type);
    if (c === undefined) {
      conditions.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: now, lastTransitionTime: now });
      changed = true;
    } else if (c.status !== 'Unknown') {
      c.status = 'Unknown';
      c.reason = 'NodeStatusUnknown';
      c.message = 'Kubelet stopped posting node status.';
      c.lastTransitionTime = now;
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}

/** The managed taints the node's state calls for (without timeAdded). */
export function desiredTaints(node: Node): Taint[] {
  const out: Taint[] = [];
  const ready = readyStatus(node);
  if (ready === 'False') out.push({ key: TAINT_NOT_READY, effect: 'NoSchedule' }, { key: TAINT_NOT_READY, effect: 'NoExecute' });
  if (ready === 'Unknown') out.push({ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }, { key: TAINT_UNREACHABLE, effect: 'NoExecute' });
  if (node.spec?.unschedulable) out.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  const pressure: Record<string, string> = { MemoryPressure: TAINT_MEMORY_PRESSURE, DiskPressure: TAINT_DISK_PRESSURE, PIDPressure: TAINT_PID_PRESSURE, NetworkUnavailable: TAINT_NETWORK_UNAVAILABLE };
  for (const c of node.status?.conditions ?? []) {
    const key = pressure[c.type];
    if (key !== undefined && c.status === 'True') out.push({ key, effect: 'NoSchedule' });
  }
  return out;
}

/**
 * The node's taints with the managed ones replaced by `desired`: kept taints keep their
 * timeAdded, new NoExecute taints get `now`. Undefined when nothing changes.
 */
export function reconcileTaints(node: Node, desired: Taint[], now: string): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const unmanaged = current.filter((t) => !MANAGED_KEYS.has(t.key));
  const managed = current.filter((t) => MANAGED_KEYS.has(t.key));
  const next: Taint[] = [...unmanaged];
  for (const d of desired) {
    const kept = managed.find((t) => sameTaint(t, d));
    next.push(kept ?? (d.effect === 'NoExecute' ? { ...d, timeAdded: now } : d));
  }
  const unchanged = next.length === current.length && next.every((t) => current.some((c) => sameTaint(c, t)));
  return unchanged ? undefined : next;
}
