// NodePorts: a pod asking for host ports fits only where none of them is taken (a port bound on
// 0.0.0.0 takes it on every address).
import type { FilterPlugin, PreFilterPlugin } from '../../framework/interfaces';
import { skip, success, unschedulable } from '../../framework/status';

export const NAME = 'NodePorts';
export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";

export function newNodePorts(): PreFilterPlugin & FilterPlugin {
  return {
    name: NAME,
    events: ['NodeAdd', 'AssignedPodDelete'],
    preFilter(_state, pod) {
      return pod.hostPorts.length === 0 ? skip() : success();
    },
    filter(_state, pod, node) {
      for (const want of pod.hostPorts) if (node.portConflict(want)) return unschedulable(ERR_REASON_PORTS);
      return success();
    },
  };
}
