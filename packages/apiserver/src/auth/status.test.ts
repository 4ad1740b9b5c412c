import type { RequestAttributes } from './authz/attributes';
import { forbiddenStatus, unauthorizedStatus } from './status';

const alice = { username: 'alice', groups: ['system:authenticated'] };
const base: RequestAttributes = { user: alice, verb: 'list', resourceRequest: true, apiGroup: '', resource: 'pods', namespace: 'default' };

describe('Forbidden, word for word', () => {
  it('for a namespaced list', () => {
    expect(forbiddenStatus(base, '')).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"',
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403,
    });
  });

  it('for a named object in a group, with a subresource', () => {
    const s = forbiddenStatus({ ...base, verb: 'get', apiGroup: 'apps', resource: 'deployments', subresource: 'scale', name: 'web' }, '');
    expect(s.message).toBe('deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments/scale" in API group "apps" in the namespace "default"');
    expect(s.details).toEqual({ name: 'web', group: 'apps', kind: 'deployments' });
  });

  it('at the cluster scope', () => {
    const s = forbiddenStatus({ ...base, resource: 'nodes', namespace: '' }, '');
    expect(s.message).toBe('nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope');
  });

  it('for a non-resource path, with the authorizers reason appended', () => {
    const s = forbiddenStatus({ user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, verb: 'get', resourceRequest: false, path: '/foo' }, '');
    expect(s.message).toBe('forbidden: User "system:anonymous" cannot get path "/foo"');
    expect(s.details).toEqual({});
    const withReason = forbiddenStatus({ ...base, verb: 'get', name: 'db', resource: 'secrets' }, 'RBAC: role.rbac.authorization.k8s.io "x" not found');
    expect(withReason.message).toBe(
      'secrets "db" is forbidden: User "alice" cannot get resource "secrets" in API group "" in the namespace "default": RBAC: role.rbac.authorization.k8s.io "x" not found',
    );
  });
});

describe('Unauthorized', () => {
  it('never says why', () => {
    expect(unauthorizedStatus()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  });
});
