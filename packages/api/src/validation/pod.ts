// Pod and pod template validation (pkg/apis/core/validation: ValidatePodSpec, ValidatePodUpdate).
import type { Container, Pod, PodSpec, PodTemplateSpec } from '../types';
import type { FieldError } from './field-errors';
import { duplicate, FieldPath, forbidden, invalid, required } from './field-errors';
import { inRange, nonNegative, oneOf, quantityAt, validatePortName, validPort } from './common';
import { invalidEach, isDNS1123Label, isDNS1123Subdomain, validateAnnotations, validateLabels } from './names';
import { deepEqual, validateObjectMeta, validateObjectMetaUpdate } from './object-meta';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
export const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];

function validateResources(c: Container, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const res = c.resources ?? {};
  const limits = new Map<string, ReturnType<typeof quantityAt>>();
  for (const [name, v] of Object.entries(res.limits ?? {})) {
    const q = quantityAt(v, path.child('limits').key(name), errs);
    if (q && q.sign() < 0) errs.push(invalid(path.child('limits').key(name), q.toString(), 'must be greater than or equal to 0'));
    limits.set(name, q);
  }
  for (const [name, v] of Object.entries(res.requests ?? {})) {
    const field = path.child('requests').key(name);
    const q = quantityAt(v, field, errs);
    if (!q) continue;
    if (q.sign() < 0) errs.push(invalid(field, q.toString(), 'must be greater than or equal to 0'));
    const limit = limits.get(name);
    if (limit && q.cmp(limit) > 0) {
      errs.push(invalid(field, q.toString(), `must be less than or equal to ${name} limit of ${limit.toString()}`));
    }
  }
  return errs;
}

function validateContainer(c: Container, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(required(path.child('name')));
  else errs.push(...invalidEach(path.child('name'), c.name, isDNS1123Label(c.name)));
  if (!c.image || c.image.trim() === '') errs.push(required(path.child('image')));
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((p, i) => {
    const pp = path.child('ports').index(i);
    if (p.name) {
      errs.push(...validatePortName(p.name, pp.child('name')));
      if (portNames.has(p.name)) errs.push(duplicate(pp.child('name'), p.name));
      portNames.add(p.name);
    }
    if (!p.containerPort) errs.push(required(pp.child('containerPort')));
    else errs.push(...validPort(p.containerPort, pp.child('containerPort')));
    if (p.hostPort) errs.push(...validPort(p.hostPort, pp.child('hostPort')));
    errs.push(...oneOf(p.protocol, PROTOCOLS, pp.child('protocol')));
  });
  errs.push(...oneOf(c.imagePullPolicy, PULL_POLICIES, path.child('imagePullPolicy')));
  errs.push(...oneOf(c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES, path.child('terminationMessagePolicy')));
  const envNames = new Set<string>();
  (c.env ?? []).forEach((e, i) => {
    if (!e.name) errs.push(required(path.child('env').index(i).child('name')));
    envNames.add(e.name);
  });
  errs.push(...validateResources(c, path.child('resources')));
  return errs;
}

/**
 * ValidatePodSpec on a defaulted spec (enum fields are required because defaulting fills them;
 * validation of an undefaulted object reports them as Required, as the apiserver would never see).
 */
export function validatePodSpec(spec: PodSpec | undefined, path: FieldPath): FieldError[] {
  const s = spec ?? ({ containers: [] } as PodSpec);
  const errs: FieldError[] = [];
  const names = new Set<string>();
  const all: [Container[], string][] = [
    [s.initContainers ?? [], 'initContainers'],
    [s.containers ?? [], 'containers'],
  ];
  if ((s.containers ?? []).length === 0) errs.push(required(path.child('containers')));
  for (const [list, field] of all) {
    list.forEach((c, i) => {
      const cp = path.child(field).index(i);
      errs.push(...validateContainer(c, cp));
      if (c.name && names.has(c.name)) errs.push(duplicate(cp.child('name'), c.name));
      if (c.name) names.add(c.name);
    });
  }
  errs.push(...oneOf(s.restartPolicy, RESTART_POLICIES, path.child('restartPolicy')));
  errs.push(...oneOf(s.dnsPolicy, DNS_POLICIES, path.child('dnsPolicy')));
  errs.push(...nonNegative(s.terminationGracePeriodSeconds, path.child('terminationGracePeriodSeconds')));
  errs.push(...inRange(s.activeDeadlineSeconds, 1, 2147483647, path.child('activeDeadlineSeconds')));
  if (s.serviceAccountName) errs.push(...invalidEach(path.child('serviceAccountName'), s.serviceAccountName, isDNS1123Subdomain(s.serviceAccountName)));
  if (s.nodeName) errs.push(...invalidEach(path.child('nodeName'), s.nodeName, isDNS1123Subdomain(s.nodeName)));
  if (s.hostname) errs.push(...invalidEach(path.child('hostname'), s.hostname, isDNS1123Label(s.hostname)));
  const volumes = new Set<string>();
  (s.volumes ?? []).forEach((v, i) => {
    const vp = path.child('volumes').index(i).child('name');
    if (!v.name) errs.push(required(vp));
    else errs.push(...invalidEach(vp, v.name, isDNS1123Label(v.name)));
    if (v.name && volumes.has(v.name)) errs.push(duplicate(vp, v.name));
    volumes.add(v.name);
  });
  return errs;
}

export function validatePod(pod: Pod): FieldError[] {
  return [
    ...validateObjectMeta(pod.metadata, { namespaced: true, validateName: isDNS1123Subdomain }),
    ...validatePodSpec(pod.spec, FieldPath.root('spec')),
  ];
}

/** A pod template's labels and annotations plus its spec (ValidatePodTemplateSpec). */
export function validatePodTemplateSpec(t: PodTemplateSpec | undefined, path: FieldPath): FieldError[] {
  return [
    ...validateLabels(t?.metadata?.labels, path.child('metadata', 'labels')),
    ...validateAnnotations(t?.metadata?.annotations, path.child('metadata', 'annotations')),
    ...validatePodSpec(t?.spec, path.child('spec')),
  ];
}

export const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,' +
  '`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),' +
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/**
 * ValidatePodUpdate: a pod's spec is immutable except container images, activeDeadlineSeconds
 * (set or lowered), added tolerations and a negative grace period raised to 1.
 */
export function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs = [...validateObjectMetaUpdate(pod.metadata, old.metadata), ...validatePodSpec(pod.spec, FieldPath.root('spec'))];
  const n = pod.spec ?? ({ containers: [] } as PodSpec);
  const o = old.spec ?? ({ containers: [] } as PodSpec);
  const ads = FieldPath.root('spec', 'activeDeadlineSeconds');
  if (o.activeDeadlineSeconds !== undefined) {
    if (n.activeDeadlineSeconds === undefined) errs.push(invalid(ads, null, 'must not update from a positive integer to nil value'));
    else if (n.activeDeadlineSeconds > o.activeDeadlineSeconds) errs.push(invalid(ads, n.activeDeadlineSeconds, 'must be less than or equal to previous value'));
  }
  const oldTolerations = o.tolerations ?? [];
  const keepsOld = oldTolerations.every((t) => (n.tolerations ?? []).some((u) => deepEqual(t, u)));
  // Compare the spec with every mutable field copied over from the old one.
  const mutable = (c: Container[] | undefined, from: Container[] | undefined): Container[] | undefined =>
    c?.map((x, i) => ({ ...x, image: from?.[i]?.image ?? x.image }));
  const masked: PodSpec = {
    ...n,
    containers: mutable(n.containers, o.containers) ?? [],
    initContainers: mutable(n.initContainers, o.initContainers),
    activeDeadlineSeconds: o.activeDeadlineSeconds,
    tolerations: keepsOld ? o.tolerations : n.tolerations,
    terminationGracePeriodSeconds:
      (o.terminationGracePeriodSeconds ?? 0) < 0 && n.terminationGracePeriodSeconds === 1 ? o.terminationGracePeriodSeconds : n.terminationGracePeriodSeconds,
  };
  if (!deepEqual(masked, o)) errs.push(forbidden(FieldPath.root('spec'), POD_UPDATE_FORBIDDEN));
  return errs;
}
