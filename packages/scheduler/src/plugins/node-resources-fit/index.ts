// NodeResourcesFit: the pod's requests (cpu, memory, ephemeral storage, extended resources) must
// fit in the node's allocatable minus what its pods already request, and the node must have room
// for one more pod. Scores with the LeastAllocated strategy: the more cpu and memory left free
// after placing the pod (requests with the scoring defaults), the higher.
import type { FilterPlugin, ScorePlugin } from '../../framework/interfaces';
import { MAX_NODE_SCORE } from '../../framework/interfaces';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { success, unschedulable } from '../../framework/status';
import type { Status } from '../../framework/status';

export const NAME = 'NodeResourcesFit';
export const REASON_TOO_MANY_PODS = 'Too many pods';

/** The reasons the node cannot take the pod, in Kubernetes' order (pods, cpu, memory, storage, extended). */
export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] {
  const reasons: string[] = [];
  if (node.pods.length + 1 > node.allowedPods) reasons.push(REASON_TOO_MANY_PODS);
  const want = pod.requests;
  const free = (alloc: number, used: number): number => alloc - used;
  if (want.milliCpu > 0 && want.milliCpu > free(node.allocatable.milliCpu, node.requested.milliCpu)) reasons.push('Insufficient cpu');
  if (want.memory > 0 && want.memory > free(node.allocatable.memory, node.requested.memory)) reasons.push('Insufficient memory');
  if (want.ephemeralStorage > 0 && want.ephemeralStorage > free(node.allocatable.ephemeralStorage, node.requested.ephemeralStorage)) {
    reasons.push('Insufficient ephemeral-storage');
  }
  if (want.scalar !== undefined) {
    for (const [name, amount] of want.scalar) {
      if (amount === 0) continue;
      const alloc = node.allocatable.scalar?.get(name) ?? 0;
      const used = node.requested.scalar?.get(name) ?? 0;
      if (amount > alloc - used) reasons.push(`Insufficient ${name}`);
    }
  }
  return reasons;
}

/** (capacity - requested) * 100 / capacity, 0 when nothing is left or nothing was there. */
function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export function newNodeResourcesFit(): FilterPlugin & ScorePlugin {
  return {
    name: NAME,
    events: ['NodeAdd', 'NodeUpdate', 'AssignedPodDelete'],
    filter(_state, pod, node): Status {
      const reasons = insufficientResources(pod, node);
      return reasons.length === 0 ? success() : unschedulable(...reasons);
    },
    score(_state, pod, node) {
      const cpu = leastRequested(node.nonZeroRequested.milliCpu + pod.nonZeroRequests.milliCpu, node.allocatable.milliCpu);
      const mem = leastRequested(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, node.allocatable.memory);
      return Math.floor((cpu + mem) / 2);
    },
  };
}
