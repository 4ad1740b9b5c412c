// The plugin contract. A plugin has a `name` and any of the extension points below; each returns
// a Status (never throws for an expected outcome). PreFilter and PreScore compute per-cycle state
// once (stored in CycleState under the plugin's name) and may answer Skip to switch off the
// plugin's Filter or Score for this pod. Score returns a raw number per node; normalize maps the
// raw numbers of all scored nodes to 0..100 (MAX_NODE_SCORE) before weights apply.
import type { Selector } from '@kubemu/api';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import type { Status } from './status';

export const MAX_NODE_SCORE = 100;

/** Per-cycle scratch space, keyed by plugin name. Lives for one pod's scheduling cycle. */
export type CycleState = Map<string, unknown>;

/** What changed in the cluster; a pod rejected by a plugin is retried when one of its events happens. */
export type ClusterEvent = 'NodeAdd' | 'NodeUpdate' | 'AssignedPodAdd' | 'AssignedPodUpdate' | 'AssignedPodDelete';

/** The nodes as one cycle sees them (the cache, frozen by running the cycle synchronously). */
export interface Snapshot {
  /** Every node with a Node object, in a stable order. */
  readonly nodes: readonly NodeInfo[];
  get(name: string): NodeInfo | undefined;
  /** Nodes that have at least one pod with pod affinity or anti-affinity. */
  readonly havePodsWithAffinity: readonly NodeInfo[];
  /** Nodes that have at least one pod with required anti-affinity. */
  readonly havePodsWithRequiredAntiAffinity: readonly NodeInfo[];
}

/** What plugins may read beyond the snapshot. */
export interface Handle {
  /** Labels of a namespace (for namespaceSelector in affinity terms); undefined if unknown. */
  namespaceLabels(ns: string): Readonly<Record<string, string>> | undefined;
  /**
   * The selectors of the objects that select or own `pod` (Services, ReplicationControllers,
   * ReplicaSets, StatefulSets), ANDed as Kubernetes' DefaultSelector does; nothing if none.
   */
  defaultSelector(pod: PodInfo): Selector;
}

export interface Plugin {
  readonly name: string;
  /** Cluster events after which a pod this plugin rejected may fit (default: every event). */
  readonly events?: readonly ClusterEvent[];
}

export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): Status;
}

export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rewrites `scores` (one per entry of `nodes`) into 0..MAX_NODE_SCORE. */
  normalize?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: number[]): void;
}

export type PluginFactory = (handle: Handle) => Plugin;

export function isPreFilter(p: Plugin): p is PreFilterPlugin {
  return typeof (p as PreFilterPlugin).preFilter === 'function';
}
export function isFilter(p: Plugin): p is FilterPlugin {
  return typeof (p as FilterPlugin).filter === 'function';
}
export function isPreScore(p: Plugin): p is PreScorePlugin {
  return typeof (p as PreScorePlugin).preScore === 'function';
}
export function isScore(p: Plugin): p is ScorePlugin {
  return typeof (p as ScorePlugin).score === 'function';
}

/** DefaultNormalizeScore: scales to 0..100 by the maximum; `reverse` makes the lowest the best. */
export function defaultNormalize(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.floor((MAX_NODE_SCORE * scores[i]!) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}
