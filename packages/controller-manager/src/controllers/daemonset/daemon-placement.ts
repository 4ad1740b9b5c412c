// Where a DaemonSet's pods belong: a node should run the daemon pod when the pod's nodeName (if
// any), nodeSelector and required node affinity select it and the pod tolerates its NoSchedule
// and NoExecute taints; a pod already there may keep running while only NoSchedule taints are
// untolerated (kube's NodeShouldRunDaemonPod). Daemon pods are placed as kube places them: with a
// required node affinity on `metadata.name` for their node, and the scheduler binds them.
import { nodeMatches, requiredNodeMatcher } from '@kubemu/api';
import type { DaemonSet, Node, Pod, PodSpec, PodTemplateSpec } from '@kubemu/api';
import {
  TAINT_DISK_PRESSURE,
  TAINT_MEMORY_PRESSURE,
  TAINT_NETWORK_UNAVAILABLE,
  TAINT_NOT_READY,
  TAINT_PID_PRESSURE,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
  untoleratedTaints,
} from '../nodelifecycle/taints';
import type { Toleration } from '../nodelifecycle/taints';

export interface Placement {
  shouldRun: boolean;
  shouldContinueRunning: boolean;
}

/** The tolerations every daemon pod gets (AddOrUpdateDaemonPodTolerations). */
export function daemonTolerations(spec: PodSpec | undefined): Toleration[] {
  const add: Toleration[] = [
    { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute' },
    { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
    { key: TAINT_DISK_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_MEMORY_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_PID_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_UNSCHEDULABLE, operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec?.hostNetwork) add.push({ key: TAINT_NETWORK_UNAVAILABLE, operator: 'Exists', effect: 'NoSchedule' });
  const out = [...(spec?.tolerations ?? [])];
  for (const t of add) {
    const i = out.findIndex((o) => o.key === t.key && o.effect === t.effect);
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

/** nodeSelector and required node affinity (terms are ORed): the scheduler's NodeAffinity rule. */
export function fitsNodeAffinity(spec: PodSpec | undefined, node: Node): boolean {
  return nodeMatches(requiredNodeMatcher({ spec } as Pod), node, node.metadata?.name ?? '');
}

export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): Placement {
  const spec = ds.spec?.template?.spec;
  const no: Placement = { shouldRun: false, shouldContinueRunning: false };
  if (spec?.nodeName && spec.nodeName !== node.metadata?.name) return no;
  if (!fitsNodeAffinity(spec, node)) return no;
  const tolerations = daemonTolerations(spec);
  if (untoleratedTaints(node.spec?.taints, tolerations, ['NoExecute']).length > 0) return no;
  const noSchedule = untoleratedTaints(node.spec?.taints, tolerations, ['NoSchedule']).length > 0;
  return { shouldRun: !noSchedule, shouldContinueRunning: true };
}

/** The template a daemon pod for `nodeName` is made from: affinity to that node, the daemon tolerations, labels. */
export function daemonPodTemplate(ds: DaemonSet, nodeName: string, extraLabels: Record<string, string>): PodTemplateSpec {
  const template = structuredClone(ds.spec?.template ?? {});
  const spec = (template.spec ??= { containers: [] });
  spec.tolerations = daemonTolerations(spec);
  const affinity = (spec.affinity ??= {});
  const nodeAffinity = (affinity.nodeAffinity ??= {});
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
  };
  template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), ...extraLabels } };
  return template;
}

/** The node a daemon pod is for: its nodeName once bound, else the node its affinity names. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}
