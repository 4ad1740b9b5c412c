// @kubemu/testkit: support for tests and benches. SimulatedNodes stands in for kubelets until the
// real one exists: it registers Nodes, renews their Leases and runs the pods bound to them.
export { SimulatedNodes, NODES, LEASES, NODE_LEASE_NAMESPACE } from './simulated-nodes';
export type { SimulatedNodesOptions } from './simulated-nodes';
export { CPU_USAGE_ANNOTATION, PODS } from './simulated-pods';
export { newNode, nodeStatus, wellKnownLabels, nodeInternalIp } from './node-object';
export type { NodeShape, NodeTemplate, Taint } from './node-object';
export { runningStatus, terminatedStatus, PodIpPool } from './pod-status';
export type { PodStatus, RunningFacts, TerminationFacts } from './pod-status';
export { parseDuration } from './duration';
export { startProcess, startStore, startApiServer, startControlPlane, startComponent, freePort, waitFor, REPO_ROOT, ETCD_BIN } from './processes';
export type { Proc, Store, ApiServer, ControlPlane } from './processes';
