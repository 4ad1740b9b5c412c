import type { ClusterRole, ClusterRoleBinding, KubeObject, RoleBinding } from '@kubemu/api';
import { ManualClock } from '@kubemu/base';
import { newAuthorizer } from './authz/authorizer';
import { bootstrapPolicy } from './bootstrap/bootstrap-policy';
import { localSubjectAccessReview, selfSubjectAccessReview, selfSubjectReview, selfSubjectRulesReview, subjectAccessReview } from './reviews';
import type { UserInfo } from './user';

const extra: KubeObject[] = [
  {
    kind: 'RoleBinding',
    metadata: { name: 'alice-view', namespace: 'dev' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
  } satisfies RoleBinding,
];
const all = [...bootstrapPolicy(), ...extra];
const authorizer = newAuthorizer({
  nodeGraph: { podsOnNode: () => [] },
  rbac: {
    clusterRoles: () => all.filter((o) => o.kind === 'ClusterRole') as ClusterRole[],
    clusterRoleBindings: () => all.filter((o) => o.kind === 'ClusterRoleBinding') as ClusterRoleBinding[],
    roles: () => [],
    roleBindings: (ns) => all.filter((o) => o.kind === 'RoleBinding' && o.metadata?.namespace === ns) as RoleBinding[],
  },
});
const alice: UserInfo = { username: 'alice', groups: ['system:authenticated'] };

describe('SelfSubjectAccessReview (kubectl auth can-i)', () => {
  it('answers allowed with the RBAC reason, echoing the spec', () => {
    const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'dev', verb: 'list', resource: 'pods' } } };
    expect(selfSubjectAccessReview(authorizer, alice, review)).toEqual({
      ok: true,
      object: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        metadata: { creationTimestamp: null },
        spec: review.spec,
        status: { allowed: true, reason: 'RBAC: allowed by RoleBinding "alice-view/dev" of ClusterRole "view" to User "alice"' },
      },
    });
  });

  it('answers not allowed, without denied, when no authorizer allows', () => {
    const r = selfSubjectAccessReview(authorizer, alice, { spec: { resourceAttributes: { namespace: 'dev', verb: 'delete', resource: 'pods' } } });
    expect(r.ok && r.object['status']).toEqual({ allowed: false });
  });

  it('checks non-resource paths: an authenticated user may get /api but not /metrics', () => {
    const can = (p: string): unknown => {
      const r = selfSubjectAccessReview(authorizer, alice, { spec: { nonResourceAttributes: { path: p, verb: 'get' } } });
      return r.ok && (r.object['status'] as { allowed: boolean }).allowed;
    };
    expect(can('/api')).toBe(true);
    expect(can('/apis/apps/v1')).toBe(true);
    expect(can('/metrics')).toBe(false);
  });

  it('is Invalid without attributes or with both kinds', () => {
    const none = selfSubjectAccessReview(authorizer, alice, { spec: {} });
    expect(!none.ok && none.status.message).toBe(
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
    const both = selfSubjectAccessReview(authorizer, alice, { spec: { resourceAttributes: { verb: 'get' }, nonResourceAttributes: { verb: 'get', path: '/' } } });
    expect(!both.ok && both.status.code).toBe(422);
  });
});

describe('SubjectAccessReview', () => {
  it('asks about the user and groups in the spec', () => {
    const r = subjectAccessReview(authorizer, { spec: { user: 'bob', groups: ['system:masters'], resourceAttributes: { verb: 'delete', resource: 'nodes' } } });
    expect(r.ok && r.object['status']).toEqual({ allowed: true });
    const none = subjectAccessReview(authorizer, { spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } });
    expect(!none.ok && none.status.message).toContain('spec.user: Invalid value: "": at least one of user or group must be specified');
  });

  it('in a namespace, requires the attributes to name that namespace', () => {
    const spec = { user: 'alice', resourceAttributes: { namespace: 'other', verb: 'get', resource: 'pods' } };
    const r = localSubjectAccessReview(authorizer, 'dev', { spec });
    expect(!r.ok && r.status).toMatchObject({ code: 400, reason: 'BadRequest', message: 'spec.resourceAttributes.namespace must match namespace: dev' });
    const ok = localSubjectAccessReview(authorizer, 'dev', { spec: { ...spec, resourceAttributes: { ...spec.resourceAttributes, namespace: 'dev' } } });
    expect(ok.ok && (ok.object['status'] as { allowed: boolean }).allowed).toBe(true);
  });
});

describe('SelfSubjectRulesReview (kubectl auth can-i --list)', () => {
  it('lists the rules of every binding that applies in the namespace', () => {
    const r = selfSubjectRulesReview(authorizer, alice, { spec: { namespace: 'dev' } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const status = r.object['status'] as { resourceRules: { verbs: string[]; resources?: string[] }[]; nonResourceRules: { nonResourceURLs?: string[] }[]; incomplete: boolean };
    expect(r.object['kind']).toBe('SelfSubjectRulesReview');
    expect(status.incomplete).toBe(false);
    expect(status.resourceRules).toContainEqual({ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] });
    expect(status.resourceRules.some((rule) => rule.resources?.includes('pods/log'))).toBe(true);
    expect(status.nonResourceRules.some((rule) => rule.nonResourceURLs?.includes('/api'))).toBe(true);
    // view in dev does not show up elsewhere
    const elsewhere = selfSubjectRulesReview(authorizer, alice, { spec: { namespace: 'prod' } });
    const rules = elsewhere.ok ? (elsewhere.object['status'] as { resourceRules: { resources?: string[] }[] }).resourceRules : [];
    expect(rules.some((rule) => rule.resources?.includes('pods/log'))).toBe(false);
  });

  it('requires a namespace and reports nodes as incomplete', () => {
    const r = selfSubjectRulesReview(authorizer, alice, {});
    expect(!r.ok && r.status).toMatchObject({ code: 400, message: 'no namespace on request' });
    const node = selfSubjectRulesReview(authorizer, { username: 'system:node:n1', groups: ['system:nodes'] }, { spec: { namespace: 'default' } });
    expect(node.ok && node.object['status']).toMatchObject({ incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' });
  });
});

describe('SelfSubjectReview (kubectl auth whoami)', () => {
  it('returns the authenticated user', () => {
    expect(selfSubjectReview({ username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] }, new ManualClock())).toEqual({
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: '2026-01-01T00:00:00Z' },
      status: { userInfo: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] } },
    });
  });
});
