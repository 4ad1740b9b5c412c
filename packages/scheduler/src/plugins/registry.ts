// The in-tree plugins by name, and the default profile: which plugins run and how much each
// score weighs (kube-scheduler's defaults: TaintToleration 3, NodeAffinity 2, PodTopologySpread 2,
// InterPodAffinity 2, NodeResourcesFit 1, NodeResourcesBalancedAllocation 1). Filters run in the
// profile's order, cheapest and most decisive first, as kube-scheduler orders them.
import type { PluginFactory } from '../framework/interfaces';
import { newInterPodAffinity } from './inter-pod-affinity/index';
import { newNodeAffinity } from './node-affinity/index';
import { newNodeName } from './node-name/index';
import { newNodePorts } from './node-ports/index';
import { newBalancedAllocation } from './node-resources-balanced-allocation/index';
import { newNodeResourcesFit } from './node-resources-fit/index';
import { newNodeUnschedulable } from './node-unschedulable/index';
import { newPodTopologySpread } from './pod-topology-spread/index';
import { newTaintToleration } from './taint-toleration/index';

export type Registry = ReadonlyMap<string, PluginFactory>;

export function inTreeRegistry(): Registry {
  return new Map<string, PluginFactory>([
    ['NodeUnschedulable', newNodeUnschedulable],
    ['NodeName', newNodeName],
    ['TaintToleration', newTaintToleration],
    ['NodeAffinity', newNodeAffinity],
    ['NodePorts', newNodePorts],
    ['NodeResourcesFit', newNodeResourcesFit],
    ['PodTopologySpread', newPodTopologySpread],
    ['InterPodAffinity', newInterPodAffinity],
    ['NodeResourcesBalancedAllocation', newBalancedAllocation],
  ]);
}

export interface PluginConfig {
  name: string;
  /** Score weight (ignored for plugins without Score); default 1. */
  weight?: number;
}

export interface Profile {
  /** The schedulerName pods ask for. */
  schedulerName: string;
  plugins: PluginConfig[];
}

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export function defaultProfile(): Profile {
  return {
    schedulerName: DEFAULT_SCHEDULER_NAME,
    plugins: [
      { name: 'NodeUnschedulable' },
      { name: 'NodeName' },
      { name: 'TaintToleration', weight: 3 },
      { name: 'NodeAffinity', weight: 2 },
      { name: 'NodePorts' },
      { name: 'NodeResourcesFit', weight: 1 },
      { name: 'PodTopologySpread', weight: 2 },
      { name: 'InterPodAffinity', weight: 2 },
      { name: 'NodeResourcesBalancedAllocation', weight: 1 },
    ],
  };
}
