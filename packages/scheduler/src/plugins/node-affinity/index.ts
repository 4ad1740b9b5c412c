// NodeAffinity: the pod's nodeSelector and required node affinity (In, NotIn, Exists,
// DoesNotExist, Gt, Lt; matchFields on metadata.name) must match the node; preferred terms add
// their weight to the nodes they match.
import { defaultNormalize } from '../../framework/interfaces';
import type { CycleState, FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework/interfaces';
import { requiredNodeMatcher, termMatches } from '@kubemu/api';
import type { NodeMatcher, NodeSelectorTerm } from '@kubemu/api';
import { skip, success, unresolvable } from '../../framework/status';

export const NAME = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

interface Preferred {
  weight: number;
  term: NodeSelectorTerm;
}

const FILTER_KEY = `${NAME}/filter`;
const SCORE_KEY = `${NAME}/score`;

export function newNodeAffinity(): PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin {
  return {
    name: NAME,
    events: ['NodeAdd', 'NodeUpdate'],
    preFilter(state: CycleState, pod) {
      const matcher = requiredNodeMatcher(pod.pod);
      if (matcher === undefined) return skip();
      state.set(FILTER_KEY, matcher);
      return success();
    },
    filter(state, _pod, node) {
      const matcher = state.get(FILTER_KEY) as NodeMatcher | undefined;
      if (matcher === undefined || matcher(node.labels, node.name)) return success();
      return unresolvable(ERR_REASON_POD);
    },
    preScore(state, pod) {
      const terms = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
      const preferred: Preferred[] = terms.filter((t) => t.weight !== 0).map((t) => ({ weight: t.weight, term: t.preference }));
      if (preferred.length === 0) return skip();
      state.set(SCORE_KEY, preferred);
      return success();
    },
    score(state, _pod, node) {
      const preferred = (state.get(SCORE_KEY) as Preferred[] | undefined) ?? [];
      let sum = 0;
      for (const p of preferred) if (termMatches(p.term, node.labels, node.name)) sum += p.weight;
      return sum;
    },
    normalize(_state, _pod, _nodes, scores) {
      defaultNormalize(scores, false);
    },
  };
}
