// InterPodAffinity: required pod affinity (the node's topology domain must already hold a pod the
// terms select, unless no such pod exists anywhere and the pod selects itself: the first of a
// group), required anti-affinity (no selected pod in the domain), and the anti-affinity of pods
// already placed (the incoming pod must not land in a domain whose pods repel it). Preferred
// terms, of the pod and of pods already placed, score the domains.
import type { CycleState, FilterPlugin, Handle, PreFilterPlugin, PreScorePlugin, ScorePlugin, Snapshot } from '../../framework/interfaces';
import { MAX_NODE_SCORE } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import { hasPodAffinity, termMatches } from '../../framework/pod-info';
import type { AffinityTerm, PodInfo } from '../../framework/pod-info';
import { skip, success, unresolvable, unschedulable } from '../../framework/status';
import { addPair, hasPairIn, pairKey } from './topology-counts';
import type { PairCounts } from './topology-counts';

export const NAME = 'InterPodAffinity';
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
/** Weight of an existing pod's *required* affinity term matching the incoming pod, in scoring (HardPodAffinityWeight). */
export const HARD_POD_AFFINITY_WEIGHT = 1;

interface FilterState {
  /** Domains holding a pod whose required anti-affinity selects the incoming pod. */
  existingAntiAffinity: PairCounts;
  /** Domains holding pods that match all of the incoming pod's required affinity terms. */
  affinity: PairCounts;
  /** Domains holding pods that the incoming pod's required anti-affinity terms select. */
  antiAffinity: PairCounts;
}

const FILTER_KEY = `${NAME}/filter`;
const SCORE_KEY = `${NAME}/score`;

export function newInterPodAffinity(handle: Handle): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  const nsLabels = (ns: string | undefined): Readonly<Record<string, string>> | undefined => handle.namespaceLabels(ns ?? '');
  const matches = (term: AffinityTerm, other: PodInfo): boolean => termMatches(term, other.pod, nsLabels(other.pod.metadata?.namespace));
  const matchesAll = (terms: readonly AffinityTerm[], other: PodInfo): boolean => terms.every((t) => matches(t, other));

  return {
    name: NAME,
    events: ['AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete', 'NodeAdd', 'NodeUpdate'],

    preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot) {
      if (pod.parseError !== undefined) return unresolvable(pod.parseError);
      const hasOwn = pod.requiredAffinity.length + pod.requiredAntiAffinity.length > 0;
      if (!hasOwn && snapshot.havePodsWithRequiredAntiAffinity.length === 0) return skip();
      const s: FilterState = { existingAntiAffinity: new Map(), affinity: new Map(), antiAffinity: new Map() };
      for (const node of snapshot.havePodsWithRequiredAntiAffinity) {
        for (const existing of node.podsWithRequiredAntiAffinity) {
          for (const term of existing.requiredAntiAffinity) if (matches(term, pod)) addPair(s.existingAntiAffinity, term.topologyKey, node.labels);
        }
      }
      if (hasOwn) {
        for (const node of snapshot.nodes) {
          for (const existing of node.pods) {
            if (pod.requiredAffinity.length > 0 && matchesAll(pod.requiredAffinity, existing)) {
              for (const term of pod.requiredAffinity) addPair(s.affinity, term.topologyKey, node.labels);
            }
            for (const term of pod.requiredAntiAffinity) if (matches(term, existing)) addPair(s.antiAffinity, term.topologyKey, node.labels);
          }
        }
      }
      state.set(FILTER_KEY, s);
      return success();
    },

    filter(state, pod, node) {
      const s = state.get(FILTER_KEY) as FilterState | undefined;
      if (s === undefined) return success();
      if (!satisfiesAffinity(s, pod, node, matchesAll)) return unresolvable(ERR_REASON_AFFINITY);
      for (const term of pod.requiredAntiAffinity) {
        const v = node.labels[term.topologyKey];
        if (v !== undefined && (s.antiAffinity.get(pairKey(term.topologyKey, v)) ?? 0) > 0) return unschedulable(ERR_REASON_ANTI_AFFINITY);
      }
      if (hasPairIn(s.existingAntiAffinity, node.labels)) return unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
      return success();
    },

    preScore(state, pod, _nodes, snapshot) {
      const hasPreferred = pod.preferredAffinity.length + pod.preferredAntiAffinity.length > 0;
      if (!hasPreferred && snapshot.havePodsWithAffinity.length === 0) return skip();
      const scores: PairCounts = new Map();
      const nodes = hasPreferred ? snapshot.nodes : snapshot.havePodsWithAffinity;
      for (const node of nodes) {
        const existingPods = hasPreferred ? node.pods : node.podsWithAffinity;
        for (const existing of existingPods) {
          for (const t of pod.preferredAffinity) if (matches(t, existing)) addPair(scores, t.topologyKey, node.labels, t.weight);
          for (const t of pod.preferredAntiAffinity) if (matches(t, existing)) addPair(scores, t.topologyKey, node.labels, -t.weight);
          if (!hasPodAffinity(existing)) continue;
          for (const t of existing.requiredAffinity) if (matches(t, pod)) addPair(scores, t.topologyKey, node.labels, HARD_POD_AFFINITY_WEIGHT);
          for (const t of existing.preferredAffinity) if (matches(t, pod)) addPair(scores, t.topologyKey, node.labels, t.weight);
          for (const t of existing.preferredAntiAffinity) if (matches(t, pod)) addPair(scores, t.topologyKey, node.labels, -t.weight);
        }
      }
      if (scores.size === 0) return skip();
      state.set(SCORE_KEY, scores);
      return success();
    },

    score(state, _pod, node) {
      const scores = state.get(SCORE_KEY) as PairCounts | undefined;
      if (scores === undefined) return 0;
      let sum = 0;
      for (const [key, v] of Object.entries(node.labels)) sum += scores.get(pairKey(key, v)) ?? 0;
      return sum;
    },

    normalize(_state, _pod, _nodes, scores) {
      if (scores.length === 0) return;
      const min = Math.min(...scores);
      const max = Math.max(...scores);
      const diff = max - min;
      for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.floor((MAX_NODE_SCORE * (scores[i]! - min)) / diff) : 0;
    },
  };
}

/**
 * Every required affinity term needs the node to carry its topology key; and the domains must
 * hold matching pods, unless no pod anywhere matches and the pod matches its own terms.
 */
function satisfiesAffinity(s: FilterState, pod: PodInfo, node: NodeInfo, matchesAll: (terms: readonly AffinityTerm[], p: PodInfo) => boolean): boolean {
  if (pod.requiredAffinity.length === 0) return true;
  let podsExist = true;
  for (const term of pod.requiredAffinity) {
    const v = node.labels[term.topologyKey];
    if (v === undefined) return false;
    if ((s.affinity.get(pairKey(term.topologyKey, v)) ?? 0) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  return s.affinity.size === 0 && matchesAll(pod.requiredAffinity, pod);
}
