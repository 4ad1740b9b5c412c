// The resources this API serves: the single table from which the apiserver derives discovery
// (/api, /apis, api-resources), URL routing and store keys.

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';
export type Subresource =
  | 'status'
  | 'scale'
  | 'binding'
  | 'eviction'
  | 'log'
  | 'exec'
  | 'attach'
  | 'portforward'
  | 'proxy'
  | 'finalize'
  | 'token';

export interface ResourceInfo {
  /** API group; '' for the legacy core group served under /api. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  /** The plural, lower-case resource name used in URLs (pods, deployments). */
  readonly resource: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  readonly verbs: readonly Verb[];
  readonly subresources: readonly Subresource[];
  readonly categories: readonly string[];
  /**
   * Store key prefix without the trailing slash, e.g. /registry/pods. Kubernetes keeps a few
   * historical prefixes (SpecialDefaultResourcePrefixes in kube-apiserver's storage factory):
   * services under services/specs, endpoints under services/endpoints, nodes under minions,
   * replicationcontrollers under controllers and ingresses under ingress.
   */
  readonly storePrefix: string;
}

const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
/** Namespaces and services have no deletecollection in Kubernetes. */
const NO_DELETECOLLECTION: readonly Verb[] = ALL_VERBS.filter((v) => v !== 'deletecollection');

interface Spec {
  kind: string;
  resource: string;
  shortNames?: string[];
  namespaced?: boolean;
  verbs?: readonly Verb[];
  subresources?: Subresource[];
  categories?: string[];
  storeName?: string;
}

function define(group: string, version: string, specs: Spec[]): ResourceInfo[] {
  return specs.map((s) => ({
    group,
    version,
    kind: s.kind,
    listKind: `${s.kind}List`,
    resource: s.resource,
    singular: s.kind.toLowerCase(),
    shortNames: s.shortNames ?? [],
    namespaced: s.namespaced ?? true,
    verbs: s.verbs ?? ALL_VERBS,
    subresources: s.subresources ?? [],
    categories: s.categories ?? [],
    storePrefix: `/registry/${s.storeName ?? s.resource}`,
  }));
}

const ALL = ['all'];
const POD_SUBRESOURCES: Subresource[] = ['status', 'binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy'];

export const RESOURCES: readonly ResourceInfo[] = [
  ...define('', 'v1', [
    { kind: 'Pod', resource: 'pods', shortNames: ['po'], subresources: POD_SUBRESOURCES, categories: ALL },
    {
      kind: 'Service',
      resource: 'services',
      shortNames: ['svc'],
      verbs: NO_DELETECOLLECTION,
      subresources: ['status', 'proxy'],
      categories: ALL,
      storeName: 'services/specs',
    },
    { kind: 'Endpoints', resource: 'endpoints', shortNames: ['ep'], storeName: 'services/endpoints' },
    { kind: 'Node', resource: 'nodes', shortNames: ['no'], namespaced: false, subresources: ['status', 'proxy'], storeName: 'minions' },
    {
      kind: 'Namespace',
      resource: 'namespaces',
      shortNames: ['ns'],
      namespaced: false,
      verbs: NO_DELETECOLLECTION,
      subresources: ['status', 'finalize'],
    },
    { kind: 'ConfigMap', resource: 'configmaps', shortNames: ['cm'] },
    { kind: 'Secret', resource: 'secrets' },
    { kind: 'ServiceAccount', resource: 'serviceaccounts', shortNames: ['sa'], subresources: ['token'] },
    { kind: 'Event', resource: 'events', shortNames: ['ev'] },
    {
      kind: 'ReplicationController',
      resource: 'replicationcontrollers',
      shortNames: ['rc'],
      subresources: ['status', 'scale'],
      categories: ALL,
      storeName: 'controllers',
    },
    { kind: 'PersistentVolume', resource: 'persistentvolumes', shortNames: ['pv'], namespaced: false, subresources: ['status'] },
    { kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims', shortNames: ['pvc'], subresources: ['status'] },
  ]),
  ...define('apps', 'v1', [
    { kind: 'Deployment', resource: 'deployments', shortNames: ['deploy'], subresources: ['status', 'scale'], categories: ALL },
    { kind: 'ReplicaSet', resource: 'replicasets', shortNames: ['rs'], subresources: ['status', 'scale'], categories: ALL },
    { kind: 'StatefulSet', resource: 'statefulsets', shortNames: ['sts'], subresources: ['status', 'scale'], categories: ALL },
    { kind: 'DaemonSet', resource: 'daemonsets', shortNames: ['ds'], subresources: ['status'], categories: ALL },
    { kind: 'ControllerRevision', resource: 'controllerrevisions' },
  ]),
  ...define('batch', 'v1', [
    { kind: 'Job', resource: 'jobs', subresources: ['status'], categories: ALL },
    { kind: 'CronJob', resource: 'cronjobs', shortNames: ['cj'], subresources: ['status'], categories: ALL },
  ]),
  ...define('coordination.k8s.io', 'v1', [{ kind: 'Lease', resource: 'leases' }]),
  ...define('networking.k8s.io', 'v1', [
    { kind: 'Ingress', resource: 'ingresses', shortNames: ['ing'], subresources: ['status'], storeName: 'ingress' },
    { kind: 'NetworkPolicy', resource: 'networkpolicies', shortNames: ['netpol'] },
  ]),
  ...define('autoscaling', 'v2', [
    { kind: 'HorizontalPodAutoscaler', resource: 'horizontalpodautoscalers', shortNames: ['hpa'], subresources: ['status'], categories: ALL },
  ]),
  // Also served as autoscaling/v1 (`kubectl autoscale` writes v1), stored as v2: the apiserver converts.
  ...define('autoscaling', 'v1', [
    { kind: 'HorizontalPodAutoscaler', resource: 'horizontalpodautoscalers', shortNames: ['hpa'], subresources: ['status'], categories: ALL },
  ]),
  // Review resources are created and answered, never stored (create is their only verb).
  ...define('authorization.k8s.io', 'v1', [
    { kind: 'SelfSubjectAccessReview', resource: 'selfsubjectaccessreviews', namespaced: false, verbs: ['create'] },
    { kind: 'SelfSubjectRulesReview', resource: 'selfsubjectrulesreviews', namespaced: false, verbs: ['create'] },
    { kind: 'SubjectAccessReview', resource: 'subjectaccessreviews', namespaced: false, verbs: ['create'] },
    { kind: 'LocalSubjectAccessReview', resource: 'localsubjectaccessreviews', verbs: ['create'] },
  ]),
  ...define('authentication.k8s.io', 'v1', [
    { kind: 'TokenReview', resource: 'tokenreviews', namespaced: false, verbs: ['create'] },
    { kind: 'SelfSubjectReview', resource: 'selfsubjectreviews', namespaced: false, verbs: ['create'] },
  ]),
  ...define('rbac.authorization.k8s.io', 'v1', [
    { kind: 'Role', resource: 'roles' },
    { kind: 'ClusterRole', resource: 'clusterroles', namespaced: false },
    { kind: 'RoleBinding', resource: 'rolebindings' },
    { kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', namespaced: false },
  ]),
];

/** "v1" for the core group, "<group>/<version>" otherwise: the apiVersion of objects of this resource. */
export function apiVersionOf(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}

/** Kind qualified by group as Kubernetes prints it in messages: "Pod", "Deployment.apps". */
export function qualifiedKind(info: Pick<ResourceInfo, 'group' | 'kind'>): string {
  return info.group === '' ? info.kind : `${info.kind}.${info.group}`;
}

/** The resource served at group/version/resource, if any. */
export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

/**
 * The served resource `group`/`resource` (its first version when there are several; `version`
 * picks one), for module constants: throws when there is none, a mistake in the caller's code.
 */
export function mustFindResource(group: string, resource: string, version?: string): ResourceInfo {
  const info = RESOURCES.find((r) => r.group === group && r.resource === resource && (version === undefined || r.version === version));
  if (info === undefined) throw new Error(`no resource ${group === '' ? '' : `${group}/`}${version === undefined ? '' : `${version}/`}${resource}`);
  return info;
}

/** The resource for an object's apiVersion and kind, if any. */
export function resourceForKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}

/**
 * Resolves what a user types (`po`, `pod`, `pods`, `deployments.apps`, `deploy`) as kubectl does:
 * an optional `.group` suffix, then the plural, singular or a short name.
 */
export function lookupResource(name: string): ResourceInfo | undefined {
  const lower = name.toLowerCase();
  const matches = (r: ResourceInfo, n: string): boolean => r.resource === n || r.singular === n || r.shortNames.includes(n);
  const direct = RESOURCES.find((r) => matches(r, lower));
  if (direct) return direct;
  const dot = lower.indexOf('.');
  if (dot < 0) return undefined;
  const [n, group] = [lower.slice(0, dot), lower.slice(dot + 1)];
  return RESOURCES.find((r) => r.group === group && matches(r, n));
}

/** Resources in a category, e.g. "all" for `kubectl get all`. */
export function resourcesInCategory(category: string): ResourceInfo[] {
  return RESOURCES.filter((r) => r.categories.includes(category));
}

/**
 * The store key of one object (`/registry/pods/default/web-1`, `/registry/minions/node-1`), or the
 * prefix for a list when name is omitted (`/registry/pods/default/`, `/registry/pods/`), so that a
 * range over the prefix never matches a sibling whose name merely starts the same.
 */
export function storeKey(info: ResourceInfo, namespace?: string, name?: string): string {
  const parts = [info.storePrefix];
  if (info.namespaced && namespace !== undefined && namespace !== '') parts.push(namespace);
  if (name === undefined) return `${parts.join('/')}/`;
  parts.push(name);
  return parts.join('/');
}
