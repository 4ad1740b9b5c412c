import type { ClusterRole, ClusterRoleBinding, KubeObject, Role, RoleBinding } from '@kubemu/api';
import { newAuthorizer } from '../authz/authorizer';
import type { RequestAttributes } from '../authz/attributes';
import type { UserInfo } from '../user';
import { bootstrapPolicy } from './bootstrap-policy';

const policy = bootstrapPolicy();
const of = <T>(kind: string): T[] => policy.filter((o) => o.kind === kind) as T[];
const authorizer = newAuthorizer({
  nodeGraph: { podsOnNode: () => [] },
  rbac: {
    clusterRoles: () => of<ClusterRole>('ClusterRole'),
    clusterRoleBindings: () => of<ClusterRoleBinding>('ClusterRoleBinding'),
    roles: (ns) => of<Role>('Role').filter((r) => r.metadata?.namespace === ns),
    roleBindings: (ns) => of<RoleBinding>('RoleBinding').filter((r) => r.metadata?.namespace === ns),
  },
});
const allowed = (user: UserInfo, a: Omit<RequestAttributes, 'user'>): boolean => authorizer.authorize({ user, ...a }).decision === 'allow';
const anonymous: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
const someone: UserInfo = { username: 'dave', groups: ['system:authenticated'] };

describe('bootstrapPolicy', () => {
  it('marks every object for reconciliation, as kube-apiserver does', () => {
    for (const o of policy) {
      expect(o.metadata?.labels?.['kubernetes.io/bootstrapping']).toBe('rbac-defaults');
      expect(o.metadata?.annotations?.['rbac.authorization.kubernetes.io/autoupdate']).toBe('true');
    }
    const names = new Set(policy.map((o: KubeObject) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`));
    expect(names.size).toBe(policy.length);
  });

  it('has the roles kubectl users meet, and binds cluster-admin to system:masters', () => {
    const roles = new Set(of<ClusterRole>('ClusterRole').map((r) => r.metadata?.name));
    for (const name of ['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:basic-user', 'system:public-info-viewer', 'system:node', 'system:node-proxier', 'system:kube-scheduler', 'system:kube-controller-manager', 'system:kube-dns', 'system:controller:replicaset-controller', 'system:controller:namespace-controller']) {
      expect(roles).toContain(name);
    }
    expect(of<ClusterRoleBinding>('ClusterRoleBinding').find((b) => b.metadata?.name === 'cluster-admin')?.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' },
    ]);
    expect(of<ClusterRoleBinding>('ClusterRoleBinding').find((b) => b.metadata?.name === 'system:node')?.subjects).toBeUndefined();
    expect(of<ClusterRole>('ClusterRole').find((r) => r.metadata?.name === 'view')?.metadata?.labels).toEqual({
      'kubernetes.io/bootstrapping': 'rbac-defaults',
      'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
    });
  });

  it('lets anyone read /healthz and /version, and only authenticated users discover the API', () => {
    for (const p of ['/healthz', '/livez', '/readyz', '/version']) expect(allowed(anonymous, { verb: 'get', resourceRequest: false, path: p })).toBe(true);
    expect(allowed(anonymous, { verb: 'get', resourceRequest: false, path: '/api' })).toBe(false);
    expect(allowed(someone, { verb: 'get', resourceRequest: false, path: '/apis/apps/v1' })).toBe(true);
    expect(allowed(someone, { verb: 'list', resourceRequest: true, apiGroup: '', resource: 'pods', namespace: 'default' })).toBe(false);
    expect(allowed(someone, { verb: 'create', resourceRequest: true, apiGroup: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' })).toBe(true);
  });

  it('gives the control-plane users what they need', () => {
    const scheduler: UserInfo = { username: 'system:kube-scheduler', groups: ['system:authenticated'] };
    expect(allowed(scheduler, { verb: 'create', resourceRequest: true, apiGroup: '', resource: 'pods', subresource: 'binding', namespace: 'default', name: 'p' })).toBe(true);
    expect(allowed(scheduler, { verb: 'update', resourceRequest: true, apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-system', name: 'kube-scheduler' })).toBe(true);
    // Any lease in kube-system through the leader-locking Role, as in Kubernetes; none elsewhere.
    expect(allowed(scheduler, { verb: 'update', resourceRequest: true, apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'default', name: 'x' })).toBe(false);
    const proxy: UserInfo = { username: 'system:kube-proxy', groups: ['system:authenticated'] };
    expect(allowed(proxy, { verb: 'watch', resourceRequest: true, apiGroup: 'discovery.k8s.io', resource: 'endpointslices' })).toBe(true);
    const rsController: UserInfo = { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts'] };
    expect(allowed(rsController, { verb: 'create', resourceRequest: true, apiGroup: '', resource: 'pods', namespace: 'default' })).toBe(true);
    expect(allowed(rsController, { verb: 'create', resourceRequest: true, apiGroup: '', resource: 'secrets', namespace: 'default' })).toBe(false);
  });
});
