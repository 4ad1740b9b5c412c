// PodTopologySpread: DoNotSchedule constraints filter (placing the pod must not make its domain
// exceed the least-loaded domain by more than maxSkew); ScheduleAnyway constraints, and the
// system default spreading of a Service's or controller's pods, score (fewer matching pods in the
// node's domain score higher).
import type { CycleState, FilterPlugin, Handle, PreFilterPlugin, PreScorePlugin, ScorePlugin, Snapshot } from '../../framework/interfaces';
import { MAX_NODE_SCORE } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import { requiredNodeMatcher } from '@kubemu/api';
import type { NodeMatcher } from '@kubemu/api';
import type { PodInfo } from '../../framework/pod-info';
import { skip, success, unresolvable, unschedulable } from '../../framework/status';
import { firstUntolerated } from '../../framework/taints';
import { pairKey } from '../inter-pod-affinity/topology-counts';
import { LABEL_HOSTNAME, constraintsFor, nodeCount } from './constraints';
import type { Constraint } from './constraints';

export const NAME = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

const HARD_TAINTS = new Set(['NoSchedule', 'NoExecute']);
const FILTER_KEY = `${NAME}/filter`;
const SCORE_KEY = `${NAME}/score`;

interface FilterState {
  constraints: Constraint[];
  counts: Map<string, number>;
  /** Per topology key: the smallest count over its domains and how many domains there are. */
  minByKey: Map<string, { min: number; domains: number }>;
}

interface ScoreState {
  constraints: Constraint[];
  counts: Map<string, number>;
  weights: number[];
  ignored: Set<string>;
}

/** Whether `node` takes part in counting for the pod (node affinity and taint policies). */
function eligible(c: Constraint, pod: PodInfo, node: NodeInfo, matcher: NodeMatcher | undefined): boolean {
  if (c.honorNodeAffinity && matcher !== undefined && !matcher(node.labels, node.name)) return false;
  if (c.honorNodeTaints && firstUntolerated(node.taints, pod.pod.spec?.tolerations ?? [], HARD_TAINTS) !== undefined) return false;
  return true;
}

function hasAllKeys(node: NodeInfo, constraints: readonly Constraint[]): boolean {
  for (const c of constraints) if (node.labels[c.topologyKey] === undefined) return false;
  return true;
}

export function newPodTopologySpread(handle: Handle): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  return {
    name: NAME,
    events: ['AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete', 'NodeAdd', 'NodeUpdate'],

    preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot) {
      const { list } = constraintsFor(pod, 'DoNotSchedule', handle);
      if (list.length === 0) return skip();
      const ns = pod.pod.metadata?.namespace ?? '';
      const matcher = requiredNodeMatcher(pod.pod);
      const counts = new Map<string, number>();
      for (const node of snapshot.nodes) {
        if (!hasAllKeys(node, list)) continue;
        for (const c of list) {
          if (!eligible(c, pod, node, matcher)) continue;
          const k = pairKey(c.topologyKey, node.labels[c.topologyKey]!);
          counts.set(k, (counts.get(k) ?? 0) + nodeCount(node, c, ns));
        }
      }
      const minByKey = new Map<string, { min: number; domains: number }>();
      for (const c of list) {
        let min = Infinity;
        let domains = 0;
        const prefix = pairKey(c.topologyKey, '');
        for (const [k, n] of counts) {
          if (!k.startsWith(prefix)) continue;
          domains++;
          min = Math.min(min, n);
        }
        minByKey.set(c.topologyKey, { min: domains === 0 ? 0 : min, domains });
      }
      state.set(FILTER_KEY, { constraints: list, counts, minByKey } satisfies FilterState);
      return success();
    },

    filter(state, pod, node) {
      const s = state.get(FILTER_KEY) as FilterState | undefined;
      if (s === undefined) return success();
      const labels = pod.pod.metadata?.labels ?? undefined;
      for (const c of s.constraints) {
        const v = node.labels[c.topologyKey];
        if (v === undefined) return unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
        const selfMatch = c.selector.matches(labels) ? 1 : 0;
        const m = s.minByKey.get(c.topologyKey) ?? { min: 0, domains: 0 };
        // Fewer domains than minDomains: the global minimum counts as 0.
        const min = m.domains < c.minDomains ? 0 : m.min;
        const skew = (s.counts.get(pairKey(c.topologyKey, v)) ?? 0) + selfMatch - min;
        if (skew > c.maxSkew) return unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
      }
      return success();
    },

    preScore(state, pod, nodes, snapshot) {
      const { list, explicit } = constraintsFor(pod, 'ScheduleAnyway', handle);
      if (list.length === 0) return skip();
      const ns = pod.pod.metadata?.namespace ?? '';
      const matcher = requiredNodeMatcher(pod.pod);
      const ignored = new Set<string>();
      const domains = list.map(() => new Set<string>());
      for (const node of nodes) {
        if (explicit && !hasAllKeys(node, list)) {
          ignored.add(node.name);
          continue;
        }
        list.forEach((c, i) => {
          const v = node.labels[c.topologyKey];
          if (v !== undefined) domains[i]!.add(v);
        });
      }
      // Hostname domains are counted per node in score(); other keys over every eligible node.
      const counts = new Map<string, number>();
      const wide = list.filter((c) => c.topologyKey !== LABEL_HOSTNAME && domains[list.indexOf(c)]!.size > 0);
      if (wide.length > 0) {
        for (const node of snapshot.nodes) {
          if (explicit && !hasAllKeys(node, list)) continue;
          for (const c of wide) {
            const v = node.labels[c.topologyKey];
            if (v === undefined || !eligible(c, pod, node, matcher)) continue;
            const k = pairKey(c.topologyKey, v);
            counts.set(k, (counts.get(k) ?? 0) + nodeCount(node, c, ns));
          }
        }
      }
      const weights = domains.map((d) => Math.log(d.size + 2));
      state.set(SCORE_KEY, { constraints: list, counts, weights, ignored } satisfies ScoreState);
      return success();
    },

    score(state, pod, node) {
      const s = state.get(SCORE_KEY) as ScoreState | undefined;
      if (s === undefined || s.ignored.has(node.name)) return 0;
      const ns = pod.pod.metadata?.namespace ?? '';
      let score = 0;
      s.constraints.forEach((c, i) => {
        const v = node.labels[c.topologyKey];
        if (v === undefined) return;
        const n = c.topologyKey === LABEL_HOSTNAME ? nodeCount(node, c, ns) : (s.counts.get(pairKey(c.topologyKey, v)) ?? 0);
        score += n * s.weights[i]! + (c.maxSkew - 1);
      });
      return Math.round(score);
    },

    normalize(state, _pod, nodes, scores) {
      const s = state.get(SCORE_KEY) as ScoreState | undefined;
      if (s === undefined) return;
      let min = Infinity;
      let max = -Infinity;
      nodes.forEach((n, i) => {
        if (s.ignored.has(n.name)) return;
        min = Math.min(min, scores[i]!);
        max = Math.max(max, scores[i]!);
      });
      nodes.forEach((n, i) => {
        if (s.ignored.has(n.name)) scores[i] = 0;
        else if (max === 0) scores[i] = MAX_NODE_SCORE;
        else scores[i] = Math.floor((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
      });
    },
  };
}
