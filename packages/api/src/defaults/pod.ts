// Pod defaulting as kube-apiserver applies it (pkg/apis/core/v1/defaults.go). These functions mutate
// the object they are given; the exported entry points in defaults.ts work on a copy.
import type { Container, PodSpec, PodTemplateSpec, Pod, Probe } from '../types';

/** Always for ":latest" or an untagged image, IfNotPresent for a tag or a digest. */
export function defaultImagePullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  if (!image) return 'Always';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon < 0) return 'Always';
  return lastSegment.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.httpGet) p.httpGet.scheme ??= 'HTTP';
}

function defaultContainer(c: Container): void {
  c.imagePullPolicy ??= defaultImagePullPolicy(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  for (const port of c.ports ?? []) port.protocol ??= 'TCP';
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.fieldRef;
    if (ref) ref.apiVersion ??= 'v1';
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

/** SetDefaults_PodSpec and its containers and volumes: what pod templates receive too. */
export function defaultPodSpecInPlace(spec: PodSpec): void {
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.restartPolicy ??= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) defaultContainer(c);
  for (const v of spec.volumes ?? []) {
    if (v.configMap) v.configMap.defaultMode ??= 420;
    if (v.secret) v.secret.defaultMode ??= 420;
    if (v.downwardAPI) v.downwardAPI.defaultMode ??= 420;
    if (v.projected) v.projected.defaultMode ??= 420;
    if (v.hostPath) v.hostPath.type ??= '';
  }
}

export function defaultPodTemplateInPlace(t: PodTemplateSpec | undefined): void {
  if (t?.spec) defaultPodSpecInPlace(t.spec);
}

/**
 * A Pod as stored after create: SetDefaults_Pod (enableServiceLinks, requests copied from limits)
 * plus what the admission chain adds to every pod (ServiceAccount: serviceAccountName "default";
 * Priority: priority 0 and preemptionPolicy PreemptLowerPriority when no class is named).
 */
export function defaultPodInPlace(pod: Pod): void {
  const spec = (pod.spec ??= { containers: [] });
  defaultPodSpecInPlace(spec);
  spec.enableServiceLinks ??= true;
  for (const c of spec.containers ?? []) {
    const limits = c.resources?.limits;
    if (!limits || !c.resources) continue;
    const requests = (c.resources.requests ??= {});
    for (const [k, v] of Object.entries(limits)) requests[k] ??= v;
  }
  spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  if (!spec.priorityClassName) spec.priority ??= 0;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
}
