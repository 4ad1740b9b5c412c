// NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that tolerate the
// node.kubernetes.io/unschedulable:NoSchedule taint.
import type { FilterPlugin } from '../../framework/interfaces';
import type { NodeInfo, Taint } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { success, unresolvable } from '../../framework/status';
import type { Status } from '../../framework/status';
import { toleratedBy } from '../../framework/taints';

export const NAME = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export function newNodeUnschedulable(): FilterPlugin {
  return {
    name: NAME,
    events: ['NodeAdd', 'NodeUpdate'],
    filter(_state, pod: PodInfo, node: NodeInfo): Status {
      if (node.node?.spec?.unschedulable !== true) return success();
      if (toleratedBy(UNSCHEDULABLE_TAINT, pod.pod.spec?.tolerations ?? [])) return success();
      return unresolvable(ERR_REASON_UNSCHEDULABLE);
    },
  };
}
