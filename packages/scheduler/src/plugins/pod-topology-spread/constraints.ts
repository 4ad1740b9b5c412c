// Topology spread constraints, parsed: the pod's own (with matchLabelKeys folded into the
// selector), or the system defaults (hostname maxSkew 3, zone maxSkew 5, both ScheduleAnyway)
// over the selector of the Services and controllers that select the pod.
import { selectorFromLabelSelector } from '@kubemu/api';
import type { LabelSelector, Pod, Selector } from '@kubemu/api';
import type { Handle } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';

type SpreadConstraint = NonNullable<NonNullable<Pod['spec']>['topologySpreadConstraints']>[number];

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';

export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: Selector;
  /** Names the selector in NodeInfo memos (counts of matching pods per node). */
  selectorKey: string;
  minDomains: number;
  /** Whether nodes the pod's node affinity/selector excludes are left out of the counts (default Honor). */
  honorNodeAffinity: boolean;
  /** Whether nodes with taints the pod does not tolerate are left out (default Ignore). */
  honorNodeTaints: boolean;
}

export interface Constraints {
  list: Constraint[];
  /** True for the pod's own constraints: a node must then carry every topology key to count. */
  explicit: boolean;
}

function parse(pod: Pod, c: SpreadConstraint): Constraint {
  const sel: LabelSelector = { ...(c.labelSelector ?? {}) };
  const labels = pod.metadata?.labels ?? {};
  const extra = (c.matchLabelKeys ?? []).filter((k) => labels[k] !== undefined).map((k) => ({ key: k, operator: 'In', values: [labels[k]!] }));
  if (extra.length > 0) sel.matchExpressions = [...(sel.matchExpressions ?? []), ...extra];
  return {
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    // A constraint without a labelSelector selects no pods.
    selector: selectorFromLabelSelector(c.labelSelector == null && extra.length === 0 ? undefined : sel),
    selectorKey: '',
    minDomains: c.minDomains ?? 1,
    honorNodeAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
    honorNodeTaints: (c.nodeTaintsPolicy ?? 'Ignore') === 'Honor',
  };
}

/** The constraints with `when` (DoNotSchedule for Filter, ScheduleAnyway for Score). */
export function constraintsFor(pod: PodInfo, when: 'DoNotSchedule' | 'ScheduleAnyway', handle: Handle): Constraints {
  const own = pod.pod.spec?.topologySpreadConstraints ?? [];
  if (own.length > 0) return { list: own.filter((c) => c.whenUnsatisfiable === when).map((c) => keyed(pod, parse(pod.pod, c))), explicit: true };
  if (when === 'DoNotSchedule') return { list: [], explicit: false };
  const selector = handle.defaultSelector(pod);
  if (selector.isEmpty() || !selector.matches(pod.pod.metadata?.labels ?? undefined)) return { list: [], explicit: false };
  const base = keyed(pod, { selector, selectorKey: '', minDomains: 1, honorNodeAffinity: true, honorNodeTaints: false, maxSkew: 0, topologyKey: '' });
  return {
    list: [
      { ...base, maxSkew: 3, topologyKey: LABEL_HOSTNAME },
      { ...base, maxSkew: 5, topologyKey: LABEL_ZONE },
    ],
    explicit: false,
  };
}

function keyed<C extends Constraint>(pod: PodInfo, c: C): C {
  c.selectorKey = `spread/${pod.pod.metadata?.namespace ?? ''}/${c.selector.toString()}`;
  return c;
}

/** countMatching on one node, memoised on the node until its pods change. */
export function nodeCount(node: NodeInfo, c: Constraint, ns: string): number {
  return node.cached(c.selectorKey, (n) => countMatching(n.pods, c.selector, ns));
}

/** Pods in `ns` that are not terminating and that `selector` selects. */
export function countMatching(pods: readonly PodInfo[], selector: Selector, ns: string): number {
  let n = 0;
  for (const p of pods) {
    const m = p.pod.metadata;
    if (m?.namespace !== ns || m.deletionTimestamp != null) continue;
    if (selector.matches(m.labels ?? undefined)) n++;
  }
  return n;
}
