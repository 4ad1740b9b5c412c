// ClusterIP and NodePort allocation. Each allocated address is a reservation key in the store,
// written in the same transaction as the Service, so that two apiserver replicas can never hand out
// the same address (kube-apiserver keeps a bitmap under /registry/ranges with the same guarantee).
import type { KubeObject, Service } from '@kubemu/api';
import type { Rng } from '@kubemu/base';
import type { SideKey } from '../storage/object-store';

export const SERVICE_IP_PREFIX = '/registry/kubemu/allocations/serviceips/';
export const NODE_PORT_PREFIX = '/registry/kubemu/allocations/nodeports/';

export interface ServiceRanges {
  /** The service CIDR's network address as a 32-bit number, and its size. */
  ipBase: number;
  ipCount: number;
  nodePortMin: number;
  nodePortMax: number;
}

export function parseCidr(cidr: string): { base: number; count: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (m === null) throw new Error(`invalid CIDR ${cidr}`);
  const [a, b, c, d, bits] = m.slice(1).map(Number) as [number, number, number, number, number];
  const base = (((a << 24) >>> 0) + (b << 16) + (c << 8) + d) >>> 0;
  return { base, count: 2 ** (32 - bits) };
}

export function ipString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The first address of the range: the `kubernetes` Service. */
export function firstServiceIp(r: ServiceRanges): string {
  return ipString(r.ipBase + 1);
}

function ipInRange(ip: string, r: ServiceRanges): boolean {
  try {
    const n = parseCidr(`${ip}/32`).base;
    return n > r.ipBase && n < r.ipBase + r.ipCount - 1;
  } catch {
    return false;
  }
}

function needsClusterIp(svc: Service): boolean {
  return svc.spec?.type !== 'ExternalName' && svc.spec?.clusterIP !== 'None';
}

function needsNodePorts(svc: Service): boolean {
  return svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
}

/** The reservation keys a Service holds. */
export function reservationsOf(obj: KubeObject): string[] {
  const svc = obj as Service;
  const keys: string[] = [];
  const ip = svc.spec?.clusterIP;
  if (ip !== undefined && ip !== '' && ip !== 'None') keys.push(SERVICE_IP_PREFIX + ip);
  for (const p of svc.spec?.ports ?? []) if (p.nodePort !== undefined && p.nodePort !== 0) keys.push(`${NODE_PORT_PREFIX}${p.nodePort}`);
  return [...new Set(keys)];
}

export interface AllocationError {
  field: string;
  value: unknown;
  detail: string;
}

/**
 * Fills in a ClusterIP and NodePorts the client left empty, at random (a collision is caught by the
 * store transaction and retried by the caller), and checks the ones it chose are in range.
 */
export function allocate(svc: Service, ranges: ServiceRanges, rng: Rng): AllocationError[] {
  const spec = svc.spec ?? (svc.spec = {});
  const errs: AllocationError[] = [];
  if (needsClusterIp(svc)) {
    if (spec.clusterIP === undefined || spec.clusterIP === '') {
      spec.clusterIP = ipString(ranges.ipBase + 2 + rng.int(ranges.ipCount - 3));
      spec.clusterIPs = [spec.clusterIP];
    } else if (!ipInRange(spec.clusterIP, ranges)) {
      errs.push({ field: 'spec.clusterIPs', value: [spec.clusterIP], detail: `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${ipString(ranges.ipBase)}/${32 - Math.log2(ranges.ipCount)}` });
    }
  }
  if (needsNodePorts(svc)) {
    (spec.ports ?? []).forEach((p, i) => {
      if (p.nodePort === undefined || p.nodePort === 0) {
        p.nodePort = ranges.nodePortMin + rng.int(ranges.nodePortMax - ranges.nodePortMin + 1);
      } else if (p.nodePort < ranges.nodePortMin || p.nodePort > ranges.nodePortMax) {
        errs.push({ field: `spec.ports[${i}].nodePort`, value: p.nodePort, detail: `provided port is not in the valid range. The range of valid ports is ${ranges.nodePortMin}-${ranges.nodePortMax}` });
      }
    });
  } else {
    for (const p of spec.ports ?? []) delete p.nodePort;
  }
  return errs;
}

/** Reservations to take (`value` set) and release (no value) when a Service goes from `old` to `next`. */
export function reservationChanges(old: KubeObject | undefined, next: KubeObject | undefined, owner: string): SideKey[] {
  const before = new Set(old === undefined ? [] : reservationsOf(old));
  const after = new Set(next === undefined ? [] : reservationsOf(next));
  const side: SideKey[] = [];
  for (const k of after) if (!before.has(k)) side.push({ key: k, value: owner });
  for (const k of before) if (!after.has(k)) side.push({ key: k });
  return side;
}

/** Which of the client-chosen addresses are taken, as the 422 field errors kube-apiserver gives. */
export function takenErrors(svc: Service, taken: ReadonlySet<string>): AllocationError[] {
  const errs: AllocationError[] = [];
  const ip = svc.spec?.clusterIP;
  if (ip !== undefined && taken.has(SERVICE_IP_PREFIX + ip)) {
    errs.push({ field: 'spec.clusterIPs', value: [ip], detail: `failed to allocate IP ${ip}: provided IP is already allocated` });
  }
  (svc.spec?.ports ?? []).forEach((p, i) => {
    if (p.nodePort !== undefined && taken.has(`${NODE_PORT_PREFIX}${p.nodePort}`)) {
      errs.push({ field: `spec.ports[${i}].nodePort`, value: p.nodePort, detail: 'provided port is already allocated' });
    }
  });
  return errs;
}
