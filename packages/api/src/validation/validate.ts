// Validation entry points by kind: what the apiserver's create and update strategies call.
import type { KubeObject } from '../types';
import { resourceForKind } from '../resources';
import type { FieldError } from './field-errors';
import { isDNS1123Subdomain, isPathSegmentName } from './names';
import type { NameValidator } from './object-meta';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta';
import { validatePod, validatePodUpdate } from './pod';
import { validateService, validateServiceUpdate } from './service';
import * as w from './workloads';
import * as c from './config';

type Create = (obj: never) => FieldError[];
type Update = (obj: never, old: never) => FieldError[];

const BY_KIND: Record<string, { create: Create; update?: Update }> = {
  Pod: { create: validatePod, update: validatePodUpdate },
  Service: { create: validateService, update: validateServiceUpdate },
  Deployment: { create: w.validateDeployment, update: w.validateDeploymentUpdate },
  ReplicaSet: { create: w.validateReplicaSet, update: w.validateReplicaSetUpdate },
  StatefulSet: { create: w.validateStatefulSet, update: w.validateStatefulSetUpdate },
  DaemonSet: { create: w.validateDaemonSet, update: w.validateDaemonSetUpdate },
  Job: { create: w.validateJob, update: w.validateJobUpdate },
  CronJob: { create: w.validateCronJob },
  ConfigMap: { create: c.validateConfigMap, update: c.validateConfigMapUpdate },
  Secret: { create: c.validateSecret, update: c.validateSecretUpdate },
  Namespace: { create: c.validateNamespace },
  Node: { create: c.validateNode },
  Lease: { create: c.validateLease },
};

/** RBAC object names are path segments; every other kind here is a DNS-1123 subdomain. */
function nameValidatorFor(group: string): NameValidator {
  return group === 'rbac.authorization.k8s.io' ? isPathSegmentName : isDNS1123Subdomain;
}

function genericCreate(obj: KubeObject): FieldError[] {
  const info = resourceForKind(obj.apiVersion ?? '', obj.kind ?? '');
  return validateObjectMeta(obj.metadata, { namespaced: info?.namespaced ?? true, validateName: nameValidatorFor(info?.group ?? '') });
}

/** Validates an object about to be created (after defaulting). An empty list means valid. */
export function validateCreate(obj: KubeObject): FieldError[] {
  const v = BY_KIND[obj.kind ?? ''];
  return v ? v.create(obj as never) : genericCreate(obj);
}

/** Validates an update of `old` to `obj`, including the fields that may not change. */
export function validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const v = BY_KIND[obj.kind ?? ''];
  if (v?.update) return v.update(obj as never, old as never);
  return [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...(v ? v.create(obj as never) : genericCreate(obj))];
}
