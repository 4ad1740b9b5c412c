// Building an Endpoints object's subsets from a Service and its pods (pkg/controller/endpoint
// and pkg/api/v1/endpoints): one address per pod IP, ready or not ready by the pod's Ready
// condition, ports resolved against the pod's containers (named target ports by name and
// protocol), then repacked so that addresses offering the same ports share one subset.
import type { EndpointAddress, EndpointPort, EndpointSubset, Pod, Service, ServicePort } from './types';
import { isPodReady } from '../../controller-utils';

/** Whether the pod belongs in the Service's endpoints at all (ShouldPodBeInEndpoints). */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (!pod.status?.podIP && (pod.status?.podIPs ?? []).length === 0) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp !== undefined) return false;
  return true;
}

function isV6(ip: string): boolean {
  return ip.includes(':');
}

/** The pod IP of the Service's (first) IP family. */
function podIpFor(svc: Service, pod: Pod): string | undefined {
  const family = svc.spec?.ipFamilies?.[0] ?? (isV6(svc.spec?.clusterIP ?? '') ? 'IPv6' : 'IPv4');
  const wantV6 = family === 'IPv6';
  const ips = [...(pod.status?.podIPs ?? []).map((p) => p.ip), pod.status?.podIP].filter((ip): ip is string => ip !== undefined && ip !== '');
  return ips.find((ip) => isV6(ip) === wantV6);
}

/** podutil.FindPort: a number as is; a name looked up among the containers' ports with the same protocol. */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number.parseInt(target, 10);
  const protocol = sp.protocol ?? 'TCP';
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

function addressFor(svc: Service, pod: Pod): EndpointAddress | undefined {
  const ip = podIpFor(svc, pod);
  if (ip === undefined) return undefined;
  const addr: EndpointAddress = { ip, targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' } };
  if (pod.spec?.nodeName) addr.nodeName = pod.spec.nodeName;
  // ShouldSetHostname: the pod names this Service as its subdomain.
  if (pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace) addr.hostname = pod.spec.hostname;
  return addr;
}

interface Entry {
  addr: EndpointAddress;
  ready: boolean;
}

/** The subsets of a selector Service over its pods, repacked and sorted. */
export function computeSubsets(svc: Service, pods: readonly Pod[]): EndpointSubset[] {
  const tolerateUnready = svc.spec?.publishNotReadyAddresses === true;
  const headless = svc.spec?.clusterIP === 'None';
  const ports = svc.spec?.ports ?? [];
  // Port identity -> address identity -> entry. A sentinel port (-1) keeps port-less headless addresses.
  const byPort = new Map<string, { port: EndpointPort | undefined; addrs: Map<string, Entry> }>();
  const add = (port: EndpointPort | undefined, addr: EndpointAddress, ready: boolean): void => {
    const pk = port === undefined ? '-1' : JSON.stringify([port.name ?? '', port.port, port.protocol ?? '', port.appProtocol ?? '']);
    let slot = byPort.get(pk);
    if (slot === undefined) byPort.set(pk, (slot = { port, addrs: new Map() }));
    const ak = `${addr.ip}/${addr.targetRef?.uid ?? ''}`;
    const prev = slot.addrs.get(ak);
    if (prev === undefined || (!prev.ready && ready)) slot.addrs.set(ak, { addr, ready });
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const addr = addressFor(svc, pod);
    if (addr === undefined) continue;
    const ready = tolerateUnready || isPodReady(pod);
    if (ports.length === 0) {
      if (headless) add(undefined, addr, ready);
      continue;
    }
    for (const sp of ports) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) ep.name = sp.name;
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      add(ep, addr, ready);
    }
  }
  return repack(byPort);
}

/** RepackSubsets: group ports by the exact set of addresses offering them. */
function repack(byPort: Map<string, { port: EndpointPort | undefined; addrs: Map<string, Entry> }>): EndpointSubset[] {
  const groups = new Map<string, { entries: Entry[]; ports: EndpointPort[] }>();
  for (const { port, addrs } of byPort.values()) {
    const entries = [...addrs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = entries.map(([k, e]) => `${k}:${e.ready ? 1 : 0}`).join(',');
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { entries: entries.map(([, e]) => e), ports: [] }));
    if (port !== undefined) g.ports.push(port);
  }
  const subsets: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready = g.entries.filter((e) => e.ready).map((e) => e.addr).sort(byIpAndUid);
    const notReady = g.entries.filter((e) => !e.ready).map((e) => e.addr).sort(byIpAndUid);
    const s: EndpointSubset = {};
    if (ready.length > 0) s.addresses = ready;
    if (notReady.length > 0) s.notReadyAddresses = notReady;
    if (g.ports.length > 0) s.ports = g.ports.sort(byPortKey);
    subsets.push(s);
  }
  return subsets.sort((a, b) => {
    const ka = firstIp(a);
    const kb = firstIp(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

function byIpAndUid(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid ?? '';
  const ub = b.targetRef?.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

function byPortKey(a: EndpointPort, b: EndpointPort): number {
  const na = a.name ?? '';
  const nb = b.name ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  if (a.port !== b.port) return a.port - b.port;
  return (a.protocol ?? '') < (b.protocol ?? '') ? -1 : (a.protocol ?? '') > (b.protocol ?? '') ? 1 : 0;
}

function firstIp(s: EndpointSubset): string {
  return s.addresses?.[0]?.ip ?? s.notReadyAddresses?.[0]?.ip ?? '';
}

/** Subsets equal ignoring the targetRefs' resourceVersions (EndpointSubsetsEqualIgnoreResourceVersion). */
export function subsetsEqual(a: readonly EndpointSubset[] | undefined, b: readonly EndpointSubset[] | undefined): boolean {
  const strip = (ss: readonly EndpointSubset[] | undefined): string =>
    JSON.stringify(
      (ss ?? []).map((s) => ({
        addresses: (s.addresses ?? []).map(stripAddr),
        notReadyAddresses: (s.notReadyAddresses ?? []).map(stripAddr),
        ports: (s.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', appProtocol: p.appProtocol ?? '' })),
      })),
    );
  return strip(a) === strip(b);
}

function stripAddr(a: EndpointAddress): unknown {
  const r = a.targetRef;
  return { ip: a.ip, hostname: a.hostname ?? '', nodeName: a.nodeName ?? '', ref: r === undefined ? null : [r.kind ?? '', r.namespace ?? '', r.name ?? '', r.uid ?? ''] };
}
