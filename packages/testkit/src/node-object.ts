// The Node object a simulated kubelet registers, and the status it reports: what a real kubelet
// puts there (capacity = allocatable, the four conditions with the kubelet's reasons and
// messages, InternalIP and Hostname addresses, nodeInfo, the kubelet endpoint), minus anything
// that needs a real machine.
import type { Node } from '@kubemu/api';
import { rfc3339 } from '@kubemu/client';

export type NodeStatus = NonNullable<Node['status']>;
export type NodeCondition = NonNullable<NodeStatus['conditions']>[number];
export type Taint = NonNullable<NonNullable<Node['spec']>['taints']>[number];

/** What one simulated node offers; quantities as Kubernetes writes them ("4", "16Gi", "110"). */
export interface NodeShape {
  cpu: string;
  memory: string;
  pods: string;
  ephemeralStorage?: string;
}

export interface NodeTemplate {
  name: string;
  /** The node's own address (status.addresses InternalIP). */
  internalIp: string;
  shape: NodeShape;
  /** Extra labels beyond the well-known ones the kubelet sets. */
  labels?: Record<string, string>;
  /** Taints registered with the node (--register-with-taints). */
  taints?: Taint[];
}

/** The labels a kubelet always sets on its Node. */
export function wellKnownLabels(name: string): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
  };
}

/** The Node object as first registered (status included: nodes may set status on create). */
export function newNode(t: NodeTemplate, wallNow: number): Node {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: t.name,
      labels: { ...wellKnownLabels(t.name), ...t.labels },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: {},
    status: nodeStatus(t, wallNow, wallNow, true),
  };
  if (t.taints !== undefined && t.taints.length > 0) node.spec = { taints: t.taints.map((x) => ({ ...x })) };
  return node;
}

function resources(shape: NodeShape): Record<string, string> {
  return { cpu: shape.cpu, memory: shape.memory, pods: shape.pods, 'ephemeral-storage': shape.ephemeralStorage ?? '100Gi' };
}

/**
 * The status a kubelet reports. `transition` is when Ready last changed (kept across reports so
 * lastTransitionTime moves only on a change); `heartbeat` is this report's time.
 */
export function nodeStatus(t: NodeTemplate, heartbeat: number, transition: number, ready: boolean): NodeStatus {
  const hb = rfc3339(heartbeat);
  const tr = rfc3339(transition);
  const cond = (type: string, status: string, reason: string, message: string): NodeCondition => ({
    type,
    status,
    lastHeartbeatTime: hb,
    lastTransitionTime: tr,
    reason,
    message,
  });
  return {
    capacity: resources(t.shape),
    allocatable: resources(t.shape),
    conditions: [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      ready
        ? cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
        : cond('Ready', 'False', 'KubeletNotReady', 'container runtime network not ready: NetworkReady=false'),
    ],
    addresses: [
      { type: 'InternalIP', address: t.internalIp },
      { type: 'Hostname', address: t.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: machineId(t.name),
      systemUUID: machineId(`${t.name}-uuid`),
      bootID: machineId(`${t.name}-boot`),
      kernelVersion: '6.1.0-kubemu',
      osImage: 'kubemu simulated node',
      containerRuntimeVersion: 'simulated://1.0.0',
      kubeletVersion: 'v1.32.0',
      kubeProxyVersion: 'v1.32.0',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

/** 32 hex digits derived from a string (FNV-1a, repeated): stable per node, unique enough. */
export function machineId(seed: string): string {
  let out = '';
  let h = 0x811c9dc5;
  for (let round = 0; out.length < 32; round++) {
    for (const ch of `${seed}#${round}`) {
      h ^= ch.charCodeAt(0);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 32);
}

/**
 * The address of simulated node `index` (0-based): 10.250.0.0/16 upward, one per node, far from
 * the service (10.96.0.0/12) and pod (10.244.0.0/16) ranges.
 */
export function nodeInternalIp(index: number): string {
  const n = index + 10;
  return `10.250.${Math.floor(n / 256) % 256}.${n % 256}`;
}
