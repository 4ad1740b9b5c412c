// NodeResourcesBalancedAllocation: favours nodes where, with the pod placed, cpu and memory are
// used in similar proportions (score = (1 - standard deviation of the fractions) * 100). Pods that
// request neither are not scored by it.
import type { PreScorePlugin, ScorePlugin } from '../../framework/interfaces';
import { MAX_NODE_SCORE } from '../../framework/interfaces';
import { skip, success } from '../../framework/status';

export const NAME = 'NodeResourcesBalancedAllocation';

function fraction(requested: number, capacity: number): number {
  if (capacity === 0) return 1;
  return Math.min(1, requested / capacity);
}

export function newBalancedAllocation(): PreScorePlugin & ScorePlugin {
  return {
    name: NAME,
    preScore(_state, pod) {
      return pod.requests.milliCpu === 0 && pod.requests.memory === 0 ? skip() : success();
    },
    score(_state, pod, node) {
      const cpu = fraction(node.requested.milliCpu + pod.requests.milliCpu, node.allocatable.milliCpu);
      const mem = fraction(node.requested.memory + pod.requests.memory, node.allocatable.memory);
      // With two resources the standard deviation is half their difference.
      const std = Math.abs(cpu - mem) / 2;
      return Math.floor((1 - std) * MAX_NODE_SCORE);
    },
  };
}
