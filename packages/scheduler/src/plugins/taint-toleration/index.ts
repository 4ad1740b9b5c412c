// TaintToleration: a node with a NoSchedule or NoExecute taint the pod does not tolerate is out;
// among the rest, fewer untolerated PreferNoSchedule taints score higher.
import { defaultNormalize } from '../../framework/interfaces';
import type { CycleState, FilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework/interfaces';
import type { PodInfo } from '../../framework/pod-info';
import { success, unresolvable } from '../../framework/status';
import { firstUntolerated, toleratedBy } from '../../framework/taints';
import type { Toleration } from '../../framework/taints';

export const NAME = 'TaintToleration';
const HARD = new Set(['NoSchedule', 'NoExecute']);

export function untoleratedTaintReason(key: string, value: string | undefined): string {
  return `node(s) had untolerated taint {${key}: ${value ?? ''}}`;
}

export function newTaintToleration(): FilterPlugin & PreScorePlugin & ScorePlugin {
  return {
    name: NAME,
    events: ['NodeAdd', 'NodeUpdate'],
    filter(_state, pod, node) {
      const taints = node.taints;
      if (taints.length === 0) return success();
      const t = firstUntolerated(taints, pod.pod.spec?.tolerations ?? [], HARD);
      return t === undefined ? success() : unresolvable(untoleratedTaintReason(t.key, t.value));
    },
    preScore(state: CycleState, pod: PodInfo) {
      // Only tolerations that can apply to PreferNoSchedule taints matter for scoring.
      const tolerations = (pod.pod.spec?.tolerations ?? []).filter((t) => t.effect === undefined || t.effect === '' || t.effect === 'PreferNoSchedule');
      state.set(NAME, tolerations);
      return success();
    },
    score(state, _pod, node) {
      const tolerations = (state.get(NAME) as Toleration[] | undefined) ?? [];
      let n = 0;
      for (const taint of node.taints) if (taint.effect === 'PreferNoSchedule' && !toleratedBy(taint, tolerations)) n++;
      return n;
    },
    normalize(_state, _pod, _nodes, scores) {
      defaultNormalize(scores, true);
    },
  };
}

