// NodeName: a pod that names its node (spec.nodeName) fits only there.
import type { FilterPlugin } from '../../framework/interfaces';
import { success, unresolvable } from '../../framework/status';

export const NAME = 'NodeName';
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export function newNodeName(): FilterPlugin {
  return {
    name: NAME,
    events: ['NodeAdd'],
    filter(_state, pod, node) {
      const want = pod.pod.spec?.nodeName;
      if (want === undefined || want === '' || want === node.name) return success();
      return unresolvable(ERR_REASON_NODE_NAME);
    },
  };
}
