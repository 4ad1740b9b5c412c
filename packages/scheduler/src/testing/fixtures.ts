// Test fixtures: nodes, pods, snapshots and a plugin handle, built the way the apiserver would
// hand them to the scheduler. Used by the tests beside each plugin; not part of the public API.
import { SeededRng } from '@kubemu/base';
import { selectorFromLabelSelector } from '@kubemu/api';
import type { Node, Pod, Selector } from '@kubemu/api';
import { Framework } from '../framework/framework';
import type { Handle, Snapshot } from '../framework/interfaces';
import { NodeInfo } from '../framework/node-info';
import type { Taint } from '../framework/node-info';
import { newPodInfo } from '../framework/pod-info';
import type { PodInfo } from '../framework/pod-info';
import { ScheduleAlgorithm } from '../framework/schedule-one';
import { defaultProfile, inTreeRegistry } from '../plugins/registry';

type PodSpec = NonNullable<Pod['spec']>;

export interface NodeOpts {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  extra?: Record<string, string>;
}

export function node(name: string, o: NodeOpts = {}): Node {
  const alloc = { cpu: o.cpu ?? '4', memory: o.memory ?? '16Gi', pods: o.pods ?? '110', ...o.extra };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints !== undefined ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable: alloc, capacity: alloc, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

export interface PodOpts extends Partial<PodSpec> {
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  namespace?: string;
  hostPort?: number;
}

export function pod(name: string, o: PodOpts = {}): Pod {
  const { cpu, memory, labels, namespace, hostPort, ...spec } = o;
  const requests: Record<string, string> = {};
  if (cpu !== undefined) requests.cpu = cpu;
  if (memory !== undefined) requests.memory = memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: namespace ?? 'default', uid: `uid-${name}`, labels: labels ?? {} },
    spec: {
      schedulerName: 'default-scheduler',
      containers: [
        {
          name: 'c',
          image: 'nginx',
          resources: Object.keys(requests).length > 0 ? { requests } : {},
          ...(hostPort !== undefined ? { ports: [{ containerPort: 80, hostPort, protocol: 'TCP' }] } : {}),
        },
      ],
      ...spec,
    },
  };
}

/** A NodeInfo for `n` with `pods` already on it. */
export function nodeInfo(n: Node, ...pods: Pod[]): NodeInfo {
  const info = new NodeInfo(n.metadata!.name!, n);
  for (const p of pods) info.addPod(newPodInfo({ ...p, spec: { ...p.spec!, nodeName: n.metadata!.name! } }));
  return info;
}

export function snapshotOf(...infos: NodeInfo[]): Snapshot {
  return {
    nodes: infos,
    get: (name) => infos.find((i) => i.name === name),
    get havePodsWithAffinity() {
      return infos.filter((i) => i.podsWithAffinity.length > 0);
    },
    get havePodsWithRequiredAntiAffinity() {
      return infos.filter((i) => i.podsWithRequiredAntiAffinity.length > 0);
    },
  };
}

/** A handle with namespace labels and an optional default spreading selector. */
export function handle(opts: { namespaces?: Record<string, Record<string, string>>; defaultSelector?: Record<string, string> } = {}): Handle {
  const sel: Selector = selectorFromLabelSelector(opts.defaultSelector !== undefined ? { matchLabels: opts.defaultSelector } : {});
  return {
    namespaceLabels: (ns) => opts.namespaces?.[ns],
    defaultSelector: () => sel,
  };
}

export function info(p: Pod): PodInfo {
  return newPodInfo(p);
}

/**
 * Where the default profile (optionally without one plugin) places `p` over `infos`, across
 * several seeds (ties are broken at random): the set of chosen nodes, or the FitError message.
 */
export function placements(p: Pod, infos: NodeInfo[], opts: { without?: string; seeds?: number; handle?: Handle } = {}): Set<string> {
  const profile = defaultProfile();
  const plugins = profile.plugins.filter((c) => c.name !== opts.without);
  const fw = new Framework(inTreeRegistry(), plugins, opts.handle ?? handle());
  const out = new Set<string>();
  for (let seed = 1; seed <= (opts.seeds ?? 20); seed++) {
    const outcome = new ScheduleAlgorithm(fw, new SeededRng(seed)).schedule(newPodInfo(p), snapshotOf(...infos));
    if (outcome.ok) out.add(outcome.result.node);
    else if ('fitError' in outcome) out.add(outcome.fitError.message());
    else out.add(`error: ${outcome.error.reasons.join(', ')}`);
  }
  return out;
}
