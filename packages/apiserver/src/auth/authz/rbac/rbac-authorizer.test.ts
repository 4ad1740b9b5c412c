import type { ClusterRole, ClusterRoleBinding, KubeObject, Role, RoleBinding } from '@kubemu/api';
import { bootstrapPolicy } from '../../bootstrap/bootstrap-policy';
import type { UserInfo } from '../../user';
import type { RequestAttributes } from '../attributes';
import type { RbacObjects } from './rbac-authorizer';
import { RbacAuthorizer } from './rbac-authorizer';

function objects(items: KubeObject[]): RbacObjects {
  const of = <T>(kind: string): T[] => items.filter((o) => o.kind === kind) as T[];
  return {
    clusterRoles: () => of<ClusterRole>('ClusterRole'),
    clusterRoleBindings: () => of<ClusterRoleBinding>('ClusterRoleBinding'),
    roles: (ns) => of<Role>('Role').filter((r) => r.metadata?.namespace === ns),
    roleBindings: (ns) => of<RoleBinding>('RoleBinding').filter((r) => r.metadata?.namespace === ns),
  };
}

const G = 'rbac.authorization.k8s.io';
const podReader: Role = {
  kind: 'Role',
  metadata: { name: 'pod-reader', namespace: 'dev' },
  rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }],
};
const binding = (name: string, ns: string, roleRef: RoleBinding['roleRef'], subjects: RoleBinding['subjects']): RoleBinding => ({
  kind: 'RoleBinding',
  metadata: { name, namespace: ns },
  roleRef,
  subjects,
});
const alice: UserInfo = { username: 'alice', groups: ['system:authenticated'] };
const attrs = (user: UserInfo, verb: string, resource: string, namespace = 'dev', extra: Partial<RequestAttributes> = {}): RequestAttributes => ({
  user,
  verb,
  resourceRequest: true,
  apiGroup: '',
  resource,
  namespace,
  ...extra,
});

describe('RbacAuthorizer', () => {
  it('allows through a RoleBinding to a User, only in its namespace, and names the binding in the reason', () => {
    const rbac = new RbacAuthorizer(objects([podReader, binding('read-pods', 'dev', { apiGroup: G, kind: 'Role', name: 'pod-reader' }, [{ kind: 'User', name: 'alice', apiGroup: G }])]));
    expect(rbac.authorize(attrs(alice, 'list', 'pods'))).toEqual({
      decision: 'allow',
      reason: 'RBAC: allowed by RoleBinding "read-pods/dev" of Role "pod-reader" to User "alice"',
    });
    expect(rbac.authorize(attrs(alice, 'list', 'pods', 'prod')).decision).toBe('noOpinion');
    expect(rbac.authorize(attrs(alice, 'list', 'pods', '')).decision).toBe('noOpinion');
    expect(rbac.authorize(attrs(alice, 'delete', 'pods')).decision).toBe('noOpinion');
    expect(rbac.authorize(attrs({ username: 'bob', groups: [] }, 'list', 'pods')).decision).toBe('noOpinion');
  });

  it('matches Group subjects against the user groups', () => {
    const rbac = new RbacAuthorizer(objects([podReader, binding('devs', 'dev', { apiGroup: G, kind: 'Role', name: 'pod-reader' }, [{ kind: 'Group', name: 'developers', apiGroup: G }])]));
    expect(rbac.authorize(attrs({ username: 'carol', groups: ['developers'] }, 'get', 'pods')).decision).toBe('allow');
    expect(rbac.authorize(attrs({ username: 'developers', groups: [] }, 'get', 'pods')).decision).toBe('noOpinion');
  });

  it('matches ServiceAccount subjects by namespace and name, defaulting the namespace to the RoleBinding own', () => {
    const sa = (ns: string, name: string): UserInfo => ({ username: `system:serviceaccount:${ns}:${name}`, groups: ['system:serviceaccounts'] });
    const rbac = new RbacAuthorizer(
      objects([podReader, binding('ci', 'dev', { apiGroup: G, kind: 'Role', name: 'pod-reader' }, [{ kind: 'ServiceAccount', name: 'builder' }])]),
    );
    expect(rbac.authorize(attrs(sa('dev', 'builder'), 'get', 'pods'))).toEqual({
      decision: 'allow',
      reason: 'RBAC: allowed by RoleBinding "ci/dev" of Role "pod-reader" to ServiceAccount "builder/dev"',
    });
    expect(rbac.authorize(attrs(sa('prod', 'builder'), 'get', 'pods')).decision).toBe('noOpinion');
    expect(rbac.authorize(attrs(sa('dev', 'other'), 'get', 'pods')).decision).toBe('noOpinion');
  });

  it('grants a ClusterRole cluster-wide through a ClusterRoleBinding and namespace-wide through a RoleBinding', () => {
    const crb: ClusterRoleBinding = {
      kind: 'ClusterRoleBinding',
      metadata: { name: 'global-readers' },
      roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'mon', namespace: 'ops' }],
    };
    const reader: ClusterRole = { kind: 'ClusterRole', metadata: { name: 'reader' }, rules: [{ verbs: ['list'], apiGroups: [''], resources: ['nodes', 'pods'] }] };
    const rb = binding('local', 'dev', { apiGroup: G, kind: 'ClusterRole', name: 'reader' }, [{ kind: 'User', name: 'alice', apiGroup: G }]);
    const rbac = new RbacAuthorizer(objects([reader, crb, rb]));
    const mon: UserInfo = { username: 'system:serviceaccount:ops:mon', groups: [] };
    expect(rbac.authorize(attrs(mon, 'list', 'nodes', ''))).toEqual({
      decision: 'allow',
      reason: 'RBAC: allowed by ClusterRoleBinding "global-readers" of ClusterRole "reader" to ServiceAccount "mon/ops"',
    });
    expect(rbac.authorize(attrs(mon, 'list', 'pods', 'anywhere')).decision).toBe('allow');
    expect(rbac.authorize(attrs(alice, 'list', 'pods', 'dev')).decision).toBe('allow');
    expect(rbac.authorize(attrs(alice, 'list', 'pods', 'other')).decision).toBe('noOpinion');
    // A RoleBinding never grants cluster-scoped requests.
    expect(rbac.authorize(attrs(alice, 'list', 'nodes', '')).decision).toBe('noOpinion');
  });

  it('reports bindings to missing roles in the reason, as kube-apiserver does', () => {
    const rbac = new RbacAuthorizer(
      objects([
        binding('a', 'dev', { apiGroup: G, kind: 'Role', name: 'gone' }, [{ kind: 'User', name: 'alice', apiGroup: G }]),
        binding('b', 'dev', { apiGroup: G, kind: 'ClusterRole', name: 'gone-too' }, [{ kind: 'User', name: 'alice', apiGroup: G }]),
      ]),
    );
    expect(rbac.authorize(attrs(alice, 'get', 'pods'))).toEqual({
      decision: 'noOpinion',
      reason: 'RBAC: [role.rbac.authorization.k8s.io "gone" not found, clusterrole.rbac.authorization.k8s.io "gone-too" not found]',
    });
    expect(rbac.rulesFor(alice, 'dev').evaluationError).toBe(
      '[role.rbac.authorization.k8s.io "gone" not found, clusterrole.rbac.authorization.k8s.io "gone-too" not found]',
    );
  });

  it('resolves aggregated ClusterRoles: admin ⊃ edit ⊃ view from the bootstrap policy, with no rules stored in them', () => {
    const policy = bootstrapPolicy();
    const bindTo = (role: string): RoleBinding => binding(`${role}-binding`, 'dev', { apiGroup: G, kind: 'ClusterRole', name: role }, [{ kind: 'User', name: role, apiGroup: G }]);
    const rbac = new RbacAuthorizer(objects([...policy, bindTo('view'), bindTo('edit'), bindTo('admin')]));
    const as = (name: string): UserInfo => ({ username: name, groups: [] });
    const can = (who: string, verb: string, resource: string, apiGroup = '', subresource = ''): boolean =>
      rbac.authorize(attrs(as(who), verb, resource, 'dev', { apiGroup, subresource })).decision === 'allow';
    expect(can('view', 'list', 'pods')).toBe(true);
    expect(can('view', 'get', 'pods', '', 'log')).toBe(true);
    expect(can('view', 'get', 'secrets')).toBe(false);
    expect(can('view', 'create', 'deployments', 'apps')).toBe(false);
    expect(can('edit', 'get', 'secrets')).toBe(true);
    expect(can('edit', 'create', 'deployments', 'apps')).toBe(true);
    expect(can('edit', 'list', 'deployments', 'apps')).toBe(true);
    expect(can('edit', 'create', 'pods', '', 'exec')).toBe(true);
    expect(can('edit', 'create', 'rolebindings', G)).toBe(false);
    expect(can('admin', 'create', 'rolebindings', G)).toBe(true);
    expect(can('admin', 'delete', 'pods')).toBe(true);
    expect(can('admin', 'create', 'resourcequotas')).toBe(false);
  });

  it('lists the rules that apply for SelfSubjectRulesReview', () => {
    const rbac = new RbacAuthorizer(objects([podReader, binding('read-pods', 'dev', { apiGroup: G, kind: 'Role', name: 'pod-reader' }, [{ kind: 'User', name: 'alice', apiGroup: G }])]));
    expect(rbac.rulesFor(alice, 'dev')).toEqual({
      resourceRules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }],
      nonResourceRules: [],
      incomplete: false,
    });
    expect(rbac.rulesFor(alice, 'prod').resourceRules).toEqual([]);
  });
});
