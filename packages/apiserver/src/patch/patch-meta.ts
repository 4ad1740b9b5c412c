// The strategic-merge metadata of the built-in types: the `patchStrategy` and `patchMergeKey` struct
// tags of k8s.io/api (the x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key of the OpenAPI
// document). Only fields with tags, and the fields leading to them, are listed: a field absent here
// has no strategy, so a map under it merges key by key and a list under it is replaced whole,
// exactly what Kubernetes does for an untagged field. Lists tagged `+listType=atomic` or without
// any tag (tolerations, taints, namespace spec.finalizers, envFrom, args) are therefore replaced.
//
// The merge key is the SMP one, which can differ from the server-side-apply list keys: service
// ports merge by port alone, topologySpreadConstraints by topologyKey alone.
import { RESOURCES } from '@kubemu/api';

export interface PatchMeta {
  /** "merge", "replace", "retainKeys", or "merge" and "retainKeys" together. */
  readonly strategies: readonly string[];
  /** The merge key of a list of objects; "" for lists of scalars and for everything else. */
  readonly mergeKey: string;
}

/** What strategic merge knows about one struct (or the element struct of a list). */
export interface PatchSchema {
  readonly fields?: Readonly<Record<string, FieldSchema>>;
}

export interface FieldSchema extends PatchSchema {
  readonly meta?: PatchMeta;
}

const NO_META: PatchMeta = { strategies: [], mergeKey: '' };
const NO_SCHEMA: PatchSchema = {};

/** The metadata of field key of a struct, and the schema of its value (or of its list elements). */
export function lookupField(schema: PatchSchema, key: string): { meta: PatchMeta; sub: PatchSchema } {
  const f = schema.fields !== undefined && Object.hasOwn(schema.fields, key) ? schema.fields[key] : undefined;
  return { meta: f?.meta ?? NO_META, sub: f ?? NO_SCHEMA };
}

// --- builders -------------------------------------------------------------------------------

function struct(fields: Record<string, FieldSchema>): FieldSchema {
  return { fields };
}

/** A list of objects merged by key; element is the schema of one item. */
function mergeList(mergeKey: string, element: PatchSchema = NO_SCHEMA, retainKeys = false): FieldSchema {
  const strategies = retainKeys ? ['merge', 'retainKeys'] : ['merge'];
  return { ...element, meta: { strategies, mergeKey } };
}

/** A list of scalars with patchStrategy merge: a set union (finalizers, podCIDRs). */
const SCALAR_SET: FieldSchema = { meta: { strategies: ['merge'], mergeKey: '' } };

const CONDITIONS = mergeList('type');

// --- core/v1 -------------------------------------------------------------------------------

const OBJECT_META = struct({
  finalizers: SCALAR_SET,
  ownerReferences: mergeList('uid'),
});

/** Container and EphemeralContainer share these tags. */
const CONTAINER: PatchSchema = {
  fields: {
    ports: mergeList('containerPort'),
    env: mergeList('name'),
    volumeMounts: mergeList('mountPath'),
    volumeDevices: mergeList('devicePath'),
  },
};

const POD_SPEC = struct({
  volumes: mergeList('name', NO_SCHEMA, true),
  initContainers: mergeList('name', CONTAINER),
  containers: mergeList('name', CONTAINER),
  ephemeralContainers: mergeList('name', CONTAINER),
  imagePullSecrets: mergeList('name'),
  hostAliases: mergeList('ip'),
  topologySpreadConstraints: mergeList('topologyKey'),
  schedulingGates: mergeList('name'),
  resourceClaims: mergeList('name', NO_SCHEMA, true),
});

const POD_STATUS = struct({
  conditions: CONDITIONS,
  podIPs: mergeList('ip'),
  hostIPs: mergeList('ip'),
  resourceClaimStatuses: mergeList('name', NO_SCHEMA, true),
});

const POD_TEMPLATE_SPEC = struct({ metadata: OBJECT_META, spec: POD_SPEC });

/** A top-level kind: ObjectMeta plus the given fields. */
function kind(fields: Record<string, FieldSchema> = {}): PatchSchema {
  return { fields: { metadata: OBJECT_META, ...fields } };
}

const STATUS_WITH_CONDITIONS = struct({ conditions: CONDITIONS });

/** spec.template holders of apps/v1 and batch/v1 Job, and their status conditions. */
function workload(specFields: Record<string, FieldSchema> = {}): PatchSchema {
  return kind({ spec: struct({ template: POD_TEMPLATE_SPEC, ...specFields }), status: STATUS_WITH_CONDITIONS });
}

const SCHEMAS: Readonly<Record<string, PatchSchema>> = {
  '/Pod': kind({ spec: POD_SPEC, status: POD_STATUS }),
  '/PodTemplate': kind({ template: POD_TEMPLATE_SPEC }),
  '/ReplicationController': workload(),
  '/Service': kind({ spec: struct({ ports: mergeList('port') }), status: STATUS_WITH_CONDITIONS }),
  '/Node': kind({
    spec: struct({ podCIDRs: SCALAR_SET }),
    status: struct({ conditions: CONDITIONS, addresses: mergeList('type') }),
  }),
  '/Namespace': kind({ status: STATUS_WITH_CONDITIONS }),
  '/PersistentVolumeClaim': kind({ status: STATUS_WITH_CONDITIONS }),
  '/ServiceAccount': kind({ secrets: mergeList('name') }),
  'apps/Deployment': workload({ strategy: { meta: { strategies: ['retainKeys'], mergeKey: '' } } }),
  'apps/ReplicaSet': workload(),
  'apps/StatefulSet': workload(),
  'apps/DaemonSet': workload(),
  'batch/Job': workload(),
  'batch/CronJob': kind({ spec: struct({ jobTemplate: struct({ metadata: OBJECT_META, spec: struct({ template: POD_TEMPLATE_SPEC }) }) }) }),
  'autoscaling/HorizontalPodAutoscaler': kind({ status: STATUS_WITH_CONDITIONS }),
};

/** Kinds served as subresources (scale) that are built-in types but not resources of their own. */
const SUBRESOURCE_KINDS = new Set(['autoscaling/Scale']);

/**
 * Whether kind is a compiled-in type, for which kube-apiserver accepts strategic merge patch.
 * Anything else (a custom resource) is Unstructured there, and strategic merge is refused with 415.
 */
export function isBuiltinKind(group: string, kindName: string): boolean {
  return SUBRESOURCE_KINDS.has(`${group}/${kindName}`) || RESOURCES.some((r) => r.group === group && r.kind === kindName);
}

/** The strategic-merge schema of a built-in kind; kinds without tagged fields get ObjectMeta's. */
export function patchSchemaFor(group: string, kindName: string): PatchSchema {
  const key = `${group}/${kindName}`;
  return Object.hasOwn(SCHEMAS, key) ? (SCHEMAS[key] ?? kind()) : kind();
}
