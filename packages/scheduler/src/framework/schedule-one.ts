// The scheduling algorithm for one pod over a snapshot: filter nodes (starting where the last
// cycle stopped, and stopping once enough feasible nodes are found), score the feasible ones,
// and pick the best, breaking ties at random so that concurrent decisions spread out rather
// than collide on the same node. Synchronous by design: the snapshot cannot change under it.
import type { Rng } from '@kubemu/base';
import { FitError, NO_NODES_AVAILABLE } from './fit-error';
import type { Framework } from './framework';
import type { CycleState, Snapshot } from './interfaces';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import { errorStatus } from './status';
import type { Status } from './status';

/** Kubernetes' floor on nodes to find before scoring, and on the adaptive percentage. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

export interface ScheduleResult {
  node: string;
  evaluatedNodes: number;
  feasibleNodes: number;
}

export type ScheduleOutcome = { ok: true; result: ScheduleResult } | { ok: false; fitError: FitError } | { ok: false; error: Status };

/**
 * How many feasible nodes are enough (percentageOfNodesToScore; 0 = adaptive: 50% minus 1% per
 * 125 nodes, at least 5%, and never fewer than 100 nodes).
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentage: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) pct = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND, 50 - Math.floor(numAllNodes / 125));
  if (pct >= 100) return numAllNodes;
  return Math.max(MIN_FEASIBLE_NODES_TO_FIND, Math.floor((numAllNodes * pct) / 100));
}

export class ScheduleAlgorithm {
  private nextStartNodeIndex = 0;

  constructor(
    private readonly framework: Framework,
    private readonly rng: Rng,
    private readonly percentageOfNodesToScore = 0,
  ) {}

  schedule(pod: PodInfo, snapshot: Snapshot): ScheduleOutcome {
    const all = snapshot.nodes;
    if (all.length === 0) return { ok: false, error: errorStatus(NO_NODES_AVAILABLE) };
    const state: CycleState = new Map();
    const pre = this.framework.runPreFilter(state, pod, snapshot);
    if (pre.status.code === 'Error') return { ok: false, error: pre.status };
    if (pre.status.code !== 'Success') {
      const statuses = new Map<string, Status>(all.map((n) => [n.name, pre.status]));
      return { ok: false, fitError: new FitError(pod.pod, all.length, statuses, pre.status.reasons.join(', ')) };
    }

    const want = numFeasibleNodesToFind(all.length, this.percentageOfNodesToScore);
    const feasible: NodeInfo[] = [];
    const statuses = new Map<string, Status>();
    const start = this.nextStartNodeIndex % all.length;
    let processed = 0;
    while (processed < all.length && feasible.length < want) {
      const node = all[(start + processed) % all.length]!;
      processed++;
      const s = this.framework.runFilters(pre.filters, state, pod, node);
      if (s.code === 'Success') feasible.push(node);
      else if (s.code === 'Error') return { ok: false, error: s };
      else statuses.set(node.name, s);
    }
    this.nextStartNodeIndex = (start + processed) % all.length;
    if (feasible.length === 0) return { ok: false, fitError: new FitError(pod.pod, all.length, statuses) };
    const result = { evaluatedNodes: processed, feasibleNodes: feasible.length };
    if (feasible.length === 1) return { ok: true, result: { node: feasible[0]!.name, ...result } };

    const totals = this.framework.runScores(state, pod, feasible, snapshot);
    if (!Array.isArray(totals)) return { ok: false, error: totals };
    return { ok: true, result: { node: this.selectHost(feasible, totals), ...result } };
  }

  /** The highest total; among equal totals each is equally likely (reservoir sampling). */
  private selectHost(nodes: readonly NodeInfo[], totals: readonly number[]): string {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < nodes.length; i++) {
      const t = totals[i]!;
      if (t > totals[best]!) {
        best = i;
        ties = 1;
      } else if (t === totals[best]!) {
        ties++;
        if (this.rng.int(ties) === 0) best = i;
      }
    }
    return nodes[best]!.name;
  }
}
