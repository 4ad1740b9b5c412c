// The admission chain of a create or update, in kube-apiserver's order: namespace lifecycle,
// service account (pods), defaulting, address allocation (services), then validation. Mutations
// happen on the object passed in; a refusal is the Status the client receives.
import { applyDefaults, invalid, toStatus, validateCreate, validateUpdate } from '@kubemu/api';
import type { KubeObject, Pod, ResourceInfo, Service } from '@kubemu/api';
import type { Rng } from '@kubemu/base';
import { forbidden, notFound } from '../http/status';
import type { ApiStatus } from '../http/status';
import { allocate } from './service-addresses';
import type { ServiceRanges } from './service-addresses';
import { podQos } from './pod-qos';
import { mountServiceAccountToken } from './service-account';

export interface AdmissionDeps {
  /** Reads an object through the watch cache, falling back to the store. */
  lookup(resource: 'namespaces' | 'serviceaccounts', namespace: string, name: string): Promise<KubeObject | undefined>;
  rng: Rng;
  ranges: ServiceRanges;
}

/** Namespaces that always exist (kube-apiserver's NamespaceLifecycle "immortal" set). */
export const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export async function namespaceLifecycle(deps: AdmissionDeps, info: ResourceInfo, namespace: string, name: string): Promise<ApiStatus | undefined> {
  if (!info.namespaced) return undefined;
  const ns = await deps.lookup('namespaces', '', namespace);
  if (ns === undefined) return notFound({ group: '', resource: 'namespaces', name: namespace });
  if (ns.metadata?.deletionTimestamp !== undefined || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating') {
    const s = forbidden({ group: info.group, resource: info.resource, name }, `unable to create new content in namespace ${namespace} because it is being terminated`);
    s.details = { ...s.details, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }] };
    return s;
  }
  return undefined;
}

export async function admitCreate(deps: AdmissionDeps, info: ResourceInfo, obj: KubeObject): Promise<{ object: KubeObject } | ApiStatus> {
  const namespace = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  const lifecycle = await namespaceLifecycle(deps, info, namespace, name);
  if (lifecycle !== undefined) return lifecycle;
  let object = applyDefaults(obj);
  if (info.group === '' && info.resource === 'pods') {
    const pod = object as Pod;
    const saName = pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? '';
    const sa = saName === '' ? 'default' : saName;
    if (pod.spec !== undefined) {
      pod.spec.serviceAccountName = sa;
      pod.spec.serviceAccount = sa;
    }
    const account = await deps.lookup('serviceaccounts', namespace, sa);
    if (account === undefined) {
      return forbidden({ group: '', resource: 'pods', name }, `error looking up service account ${namespace}/${sa}: serviceaccount "${sa}" not found`);
    }
    mountServiceAccountToken(pod, account, deps.rng);
    pod.status = { ...(pod.status ?? {}), qosClass: podQos(pod) };
    addDefaultTolerations(pod);
  }
  if (info.group === '' && info.resource === 'services') {
    const errs = allocate(object as Service, deps.ranges, deps.rng);
    if (errs.length > 0) return toStatus(info, name, errs.map((e) => invalid(e.field, e.value, e.detail)));
  }
  const errs = validateCreate(object);
  if (errs.length > 0) return toStatus(info, name, errs);
  object = object as KubeObject;
  return { object };
}

export function admitUpdate(deps: AdmissionDeps, info: ResourceInfo, obj: KubeObject, old: KubeObject): { object: KubeObject } | ApiStatus {
  const object = applyDefaults(obj);
  if (info.group === '' && info.resource === 'services') {
    const svc = object as Service;
    const before = old as Service;
    // An update that leaves the ClusterIP empty keeps the allocated one (as kube-apiserver does for
    // clients that send back an object without it).
    if (svc.spec !== undefined && (svc.spec.clusterIP === undefined || svc.spec.clusterIP === '') && before.spec?.clusterIP !== undefined) {
      svc.spec.clusterIP = before.spec.clusterIP;
      if (before.spec.clusterIPs !== undefined) svc.spec.clusterIPs = before.spec.clusterIPs;
    }
    // Keep NodePorts of ports that still exist.
    for (const p of svc.spec?.ports ?? []) {
      if (p.nodePort === undefined || p.nodePort === 0) {
        const prev = before.spec?.ports?.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
        if (prev?.nodePort !== undefined) p.nodePort = prev.nodePort;
      }
    }
    const errs = allocate(svc, deps.ranges, deps.rng);
    if (errs.length > 0) return toStatus(info, obj.metadata?.name ?? '', errs.map((e) => invalid(e.field, e.value, e.detail)));
  }
  const errs = validateUpdate(object, old);
  if (errs.length > 0) return toStatus(info, obj.metadata?.name ?? '', errs);
  return { object };
}

/**
 * The DefaultTolerationSeconds admission plugin: a pod tolerates a not-ready or unreachable node for
 * 300 s unless it says otherwise, so that the node lifecycle controller evicts it after that.
 */
function addDefaultTolerations(pod: Pod): void {
  if (pod.spec === undefined) return;
  const tolerations = (pod.spec.tolerations ??= []);
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const has = tolerations.some((t) => (t.key === key || (t.key === undefined && t.operator === 'Exists')) && (t.effect === undefined || t.effect === '' || t.effect === 'NoExecute'));
    if (!has) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
}
