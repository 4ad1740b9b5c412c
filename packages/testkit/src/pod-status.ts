// Pod statuses as a kubelet writes them: Running and Ready once the containers have started,
// Succeeded or Failed once they have terminated, with the conditions, container statuses and
// reasons the real kubelet uses.
import type { Pod } from '@kubemu/api';
import { rfc3339 } from '@kubemu/client';
import { machineId } from './node-object';

export type PodStatus = NonNullable<Pod['status']>;
type PodCondition = NonNullable<PodStatus['conditions']>[number];
type ContainerStatus = NonNullable<PodStatus['containerStatuses']>[number];
type Container = NonNullable<Pod['spec']>['containers'][number];

export interface RunningFacts {
  hostIp: string;
  podIp: string | undefined;
  /** When the kubelet first saw the pod (status.startTime; kept across later reports). */
  startTime: number;
  /** When the containers started. */
  now: number;
}

function condition(type: string, status: 'True' | 'False', at: string, reason?: string): PodCondition {
  const c: PodCondition = { type, status, lastProbeTime: null as unknown as string, lastTransitionTime: at };
  if (reason !== undefined) c.reason = reason;
  return c;
}

function containerId(pod: Pod, container: string): string {
  return `containerd://${machineId(`${pod.metadata?.uid ?? ''}/${container}`)}${machineId(container)}`;
}

function imageRef(c: Container): { image: string; imageID: string } {
  const image = c.image ?? '';
  return { image, imageID: `${image.includes('/') ? image : `docker.io/library/${image}`}@sha256:${machineId(image)}${machineId(`${image}#`)}` };
}

/** The status of a pod whose containers all run and are ready (no probes are simulated). */
export function runningStatus(pod: Pod, f: RunningFacts): PodStatus {
  const started = rfc3339(f.now);
  const scheduledAt = pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime ?? rfc3339(f.startTime);
  const spec = pod.spec;
  const status: PodStatus = {
    phase: 'Running',
    conditions: [
      condition('PodReadyToStartContainers', 'True', started),
      condition('Initialized', 'True', started),
      condition('Ready', 'True', started),
      condition('ContainersReady', 'True', started),
      condition('PodScheduled', 'True', scheduledAt),
    ],
    hostIP: f.hostIp,
    hostIPs: [{ ip: f.hostIp }],
    startTime: rfc3339(f.startTime),
    containerStatuses: (spec?.containers ?? []).map((c) => ({
      name: c.name,
      ...imageRef(c),
      containerID: containerId(pod, c.name),
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: started } },
    })),
  };
  if (f.podIp !== undefined) {
    status.podIP = f.podIp;
    status.podIPs = [{ ip: f.podIp }];
  }
  const inits = spec?.initContainers ?? [];
  if (inits.length > 0) {
    status.initContainerStatuses = inits.map((c) => ({
      name: c.name,
      ...imageRef(c),
      containerID: containerId(pod, c.name),
      ready: true,
      started: false,
      restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: rfc3339(f.startTime), finishedAt: started, containerID: containerId(pod, c.name) } },
    }));
  }
  if (pod.status?.qosClass !== undefined) status.qosClass = pod.status.qosClass;
  return status;
}

export interface TerminationFacts {
  exitCode: number;
  reason: string;
  message?: string;
  now: number;
}

/**
 * The status after every container terminated: Succeeded when all exited 0, Failed otherwise.
 * Ready and ContainersReady turn False with reason PodCompleted (succeeded) or PodFailed.
 */
export function terminatedStatus(pod: Pod, f: TerminationFacts): PodStatus {
  const now = rfc3339(f.now);
  const prev = pod.status ?? {};
  const phase = f.exitCode === 0 ? 'Succeeded' : 'Failed';
  const why = f.exitCode === 0 ? 'PodCompleted' : 'PodFailed';
  const conditions = (prev.conditions ?? []).filter((c) => c.type !== 'Ready' && c.type !== 'ContainersReady');
  conditions.push(condition('Ready', 'False', now, why), condition('ContainersReady', 'False', now, why));
  const containerStatuses: ContainerStatus[] = (pod.spec?.containers ?? []).map((c) => {
    const was = prev.containerStatuses?.find((s) => s.name === c.name);
    const terminated: NonNullable<NonNullable<ContainerStatus['state']>['terminated']> = {
      exitCode: f.exitCode,
      reason: f.reason,
      startedAt: was?.state?.running?.startedAt ?? now,
      finishedAt: now,
      containerID: was?.containerID ?? containerId(pod, c.name),
    };
    if (f.message !== undefined) terminated.message = f.message;
    return {
      name: c.name,
      ...imageRef(c),
      containerID: terminated.containerID!,
      ready: false,
      started: false,
      restartCount: was?.restartCount ?? 0,
      state: { terminated },
    };
  });
  const status: PodStatus = { ...prev, phase, conditions, containerStatuses };
  if (f.message !== undefined) status.message = f.message;
  return status;
}

/**
 * Pod addresses out of one node's pod CIDR (an IPv4 /n): .1 is the node's bridge, pods get .2
 * upward; addresses are reused once released.
 */
export class PodIpPool {
  private readonly base: number;
  private readonly size: number;
  private readonly used = new Set<number>();
  private next = 2;

  constructor(readonly cidr: string) {
    const [addr, bits] = cidr.split('/');
    const parts = (addr ?? '').split('.').map(Number);
    const prefix = Number(bits);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255) || !(prefix >= 8 && prefix <= 30)) {
      throw new RangeError(`invalid IPv4 pod CIDR ${cidr}`);
    }
    this.size = 2 ** (32 - prefix);
    const raw = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
    this.base = raw - (raw % this.size);
  }

  /** A free address, or undefined when the range is exhausted. */
  allocate(): string | undefined {
    const usable = this.size - 3; // network, bridge (.1), broadcast
    if (this.used.size >= usable) return undefined;
    for (;;) {
      const offset = this.next;
      this.next = this.next + 1 >= this.size - 1 ? 2 : this.next + 1;
      if (!this.used.has(offset)) {
        this.used.add(offset);
        return toDotted(this.base + offset);
      }
    }
  }

  release(ip: string): void {
    const parts = ip.split('.').map(Number);
    const n = (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
    this.used.delete(n - this.base);
  }
}

function toDotted(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
