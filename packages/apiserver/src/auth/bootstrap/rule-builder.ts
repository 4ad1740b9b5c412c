// A compact way to write the bootstrap policy's rules, and the metadata every bootstrap object
// carries. Lists are sorted, as kube-apiserver's rule builder stores them.
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '@kubemu/api';
import type { PolicyRule } from '../authz/rbac/rule-matching';

export const READ = ['get', 'list', 'watch'];
export const READ_WRITE = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
/** What edit adds to view: every write, no read (those come from view by aggregation). */
export const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

export const LEGACY = '';
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export function rule(verbs: readonly string[], apiGroups: readonly string[], resources: readonly string[], resourceNames?: readonly string[]): PolicyRule {
  const r: PolicyRule = { verbs: sorted(verbs), apiGroups: sorted(apiGroups), resources: sorted(resources) };
  if (resourceNames !== undefined) r.resourceNames = sorted(resourceNames);
  return r;
}

export function urls(verbs: readonly string[], nonResourceURLs: readonly string[]): PolicyRule {
  return { verbs: sorted(verbs), nonResourceURLs: sorted(nonResourceURLs) };
}

/** Create, update and patch of events in both event APIs (eventsRule() in the bootstrap policy). */
export function eventsRule(): PolicyRule {
  return rule(['create', 'update', 'patch'], [LEGACY, 'events.k8s.io'], ['events']);
}

const BOOTSTRAP_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const AUTOUPDATE = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };

function meta(name: string, namespace?: string, labels: Record<string, string> = {}): NonNullable<ClusterRole['metadata']> {
  const m: NonNullable<ClusterRole['metadata']> = { name };
  if (namespace !== undefined) m.namespace = namespace;
  m.annotations = { ...AUTOUPDATE };
  m.labels = { ...BOOTSTRAP_LABEL, ...labels };
  return m;
}

export function clusterRole(name: string, rules: PolicyRule[], opts: { labels?: Record<string, string>; aggregateFrom?: string } = {}): ClusterRole {
  const role: ClusterRole = { apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRole', metadata: meta(name, undefined, opts.labels) };
  if (opts.aggregateFrom !== undefined) role.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [opts.aggregateFrom]: 'true' } }] };
  else role.rules = rules;
  return role;
}

export function role(namespace: string, name: string, rules: PolicyRule[]): Role {
  return { apiVersion: `${RBAC_GROUP}/v1`, kind: 'Role', metadata: meta(name, namespace), rules };
}

export type Subject = NonNullable<RoleBinding['subjects']>[number];

export const users = (...names: string[]): Subject[] => names.map((name) => ({ apiGroup: RBAC_GROUP, kind: 'User', name }));
export const groups = (...names: string[]): Subject[] => names.map((name) => ({ apiGroup: RBAC_GROUP, kind: 'Group', name }));
export const serviceAccount = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

/** A ClusterRoleBinding named after the ClusterRole it binds (all bootstrap bindings are). */
export function clusterRoleBinding(roleName: string, subjects: Subject[]): ClusterRoleBinding {
  const b: ClusterRoleBinding = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: meta(roleName),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName },
  };
  if (subjects.length > 0) b.subjects = subjects;
  return b;
}

export function roleBinding(namespace: string, name: string, roleName: string, subjects: Subject[]): RoleBinding {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'RoleBinding',
    metadata: meta(name, namespace),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: roleName },
    subjects,
  };
}

function sorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
