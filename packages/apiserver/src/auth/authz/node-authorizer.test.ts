import type { PersistentVolumeClaim, Pod } from '@kubemu/api';
import { nodeRules } from '../bootstrap/cluster-roles';
import type { UserInfo } from '../user';
import type { RequestAttributes } from './attributes';
import { newAuthorizer } from './authorizer';
import type { NodeGraph } from './node-authorizer';
import { NodeAuthorizer } from './node-authorizer';

const pod = (ns: string, name: string, nodeName: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  metadata: { namespace: ns, name },
  spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }], ...spec },
});

const web = pod('default', 'web', 'node-1', {
  serviceAccountName: 'web-sa',
  imagePullSecrets: [{ name: 'registry' }],
  containers: [
    {
      name: 'app',
      image: 'nginx',
      env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
      envFrom: [{ configMapRef: { name: 'settings' } }],
    },
  ],
  volumes: [
    { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
    { name: 'tls', secret: { secretName: 'tls' } },
    { name: 'proj', projected: { sources: [{ configMap: { name: 'projected-cm' } }] } },
  ],
});
const other = pod('default', 'other', 'node-2', { volumes: [{ name: 's', secret: { secretName: 'not-yours' } }] });

const claims: Record<string, PersistentVolumeClaim> = { 'default/data': { spec: { volumeName: 'pv-data' } } };
const graph: NodeGraph = {
  podsOnNode: (n) => [web, other].filter((p) => p.spec?.nodeName === n),
  persistentVolumeClaim: (ns, name) => claims[`${ns}/${name}`],
};
const node1: UserInfo = { username: 'system:node:node-1', groups: ['system:nodes', 'system:authenticated'] };
const authz = new NodeAuthorizer(graph, nodeRules());
const req = (verb: string, resource: string, extra: Partial<RequestAttributes> = {}, user: UserInfo = node1): RequestAttributes => ({
  user,
  verb,
  resourceRequest: true,
  apiGroup: '',
  resource,
  ...extra,
});

describe('NodeAuthorizer', () => {
  it('has no opinion on users that are not nodes; a system:nodes member without a node name is unknown', () => {
    expect(authz.authorize(req('get', 'secrets', {}, { username: 'alice', groups: ['system:nodes'] }))).toEqual({ decision: 'noOpinion', reason: '' });
    expect(authz.authorize(req('get', 'secrets', {}, { username: 'system:node:node-1', groups: [] }))).toEqual({ decision: 'noOpinion', reason: '' });
    expect(authz.authorize(req('get', 'services', {}, { username: 'system:node:', groups: ['system:nodes'] }))).toEqual({
      decision: 'noOpinion',
      reason: 'unknown node for user "system:node:"',
    });
  });

  it('lets a node read only the secrets and configmaps its pods refer to', () => {
    for (const name of ['registry', 'db', 'tls']) {
      expect(authz.authorize(req('get', 'secrets', { namespace: 'default', name })).decision).toBe('allow');
    }
    expect(authz.authorize(req('get', 'configmaps', { namespace: 'default', name: 'settings' })).decision).toBe('allow');
    expect(authz.authorize(req('watch', 'configmaps', { namespace: 'default', name: 'projected-cm' })).decision).toBe('allow');
    expect(authz.authorize(req('get', 'secrets', { namespace: 'default', name: 'not-yours' }))).toEqual({
      decision: 'noOpinion',
      reason: "no relationship found between node 'node-1' and this object",
    });
    expect(authz.authorize(req('get', 'secrets', { namespace: 'other-ns', name: 'db' })).decision).toBe('noOpinion');
    expect(authz.authorize(req('list', 'secrets', { namespace: 'default' }))).toEqual({ decision: 'noOpinion', reason: 'No Object name found' });
    expect(authz.authorize(req('update', 'secrets', { namespace: 'default', name: 'db' }))).toEqual({
      decision: 'noOpinion',
      reason: 'can only read resources of this type',
    });
  });

  it('follows pod -> claim -> volume for persistentvolumeclaims and persistentvolumes', () => {
    expect(authz.authorize(req('get', 'persistentvolumeclaims', { namespace: 'default', name: 'data' })).decision).toBe('allow');
    expect(authz.authorize(req('get', 'persistentvolumes', { name: 'pv-data' })).decision).toBe('allow');
    expect(authz.authorize(req('get', 'persistentvolumes', { name: 'pv-other' })).decision).toBe('noOpinion');
    expect(authz.authorize(req('list', 'persistentvolumes', {}))).toEqual({ decision: 'noOpinion', reason: 'can only get individual resources of this type' });
    expect(authz.authorize(req('patch', 'persistentvolumeclaims', { namespace: 'default', name: 'data', subresource: 'status' })).decision).toBe('allow');
  });

  it('lets a node get its own pods, and list/watch pods only with spec.nodeName=<itself>', () => {
    expect(authz.authorize(req('get', 'pods', { namespace: 'default', name: 'web' })).decision).toBe('allow');
    expect(authz.authorize(req('get', 'pods', { namespace: 'default', name: 'other' })).decision).toBe('noOpinion');
    expect(authz.authorize(req('watch', 'pods', { fieldSelector: 'spec.nodeName=node-1' })).decision).toBe('allow');
    expect(authz.authorize(req('list', 'pods', { fieldSelector: 'spec.nodeName=node-2' }))).toEqual({
      decision: 'noOpinion',
      reason: 'can only list/watch pods with spec.nodeName field selector',
    });
    expect(authz.authorize(req('list', 'pods', {})).decision).toBe('noOpinion');
    expect(authz.authorize(req('patch', 'pods', { namespace: 'default', name: 'web', subresource: 'status' })).decision).toBe('allow');
    expect(authz.authorize(req('update', 'pods', { namespace: 'default', name: 'web' })).decision).toBe('noOpinion');
  });

  it('lets a node read its own Node, create and update nodes, and update node status', () => {
    expect(authz.authorize(req('get', 'nodes', { name: 'node-1' })).decision).toBe('allow');
    expect(authz.authorize(req('get', 'nodes', { name: 'node-2' }))).toEqual({
      decision: 'noOpinion',
      reason: "node 'node-1' cannot read 'node-2', only its own Node object",
    });
    expect(authz.authorize(req('list', 'nodes', {}))).toEqual({
      decision: 'noOpinion',
      reason: "node 'node-1' cannot read all nodes, only its own Node object",
    });
    expect(authz.authorize(req('create', 'nodes', {})).decision).toBe('allow');
    expect(authz.authorize(req('patch', 'nodes', { name: 'node-1', subresource: 'status' })).decision).toBe('allow');
    expect(authz.authorize(req('delete', 'nodes', { name: 'node-1' })).decision).toBe('noOpinion');
  });

  it('lets a node use only its own Lease in kube-node-lease', () => {
    const lease = (verb: string, namespace: string, name?: string): RequestAttributes =>
      req(verb, 'leases', name === undefined ? { apiGroup: 'coordination.k8s.io', namespace } : { apiGroup: 'coordination.k8s.io', namespace, name });
    expect(authz.authorize(lease('get', 'kube-node-lease', 'node-1')).decision).toBe('allow');
    expect(authz.authorize(lease('update', 'kube-node-lease', 'node-1')).decision).toBe('allow');
    expect(authz.authorize(lease('create', 'kube-node-lease')).decision).toBe('allow');
    expect(authz.authorize(lease('update', 'kube-node-lease', 'node-2'))).toEqual({
      decision: 'noOpinion',
      reason: 'can only access node lease with the same name as the requesting node',
    });
    expect(authz.authorize(lease('get', 'kube-system', 'node-1'))).toEqual({
      decision: 'noOpinion',
      reason: 'can only access leases in the "kube-node-lease" system namespace',
    });
    expect(authz.authorize(lease('list', 'kube-node-lease'))).toEqual({
      decision: 'noOpinion',
      reason: 'can only get, create, update, patch, or delete a node lease',
    });
  });

  it('lets a node create tokens only for the service accounts of its pods', () => {
    expect(authz.authorize(req('create', 'serviceaccounts', { namespace: 'default', name: 'web-sa', subresource: 'token' })).decision).toBe('allow');
    expect(authz.authorize(req('create', 'serviceaccounts', { namespace: 'default', name: 'default', subresource: 'token' })).decision).toBe('noOpinion');
    expect(authz.authorize(req('get', 'serviceaccounts', { namespace: 'default', name: 'web-sa' }))).toEqual({
      decision: 'noOpinion',
      reason: 'can only create tokens for individual service accounts',
    });
  });

  it('applies the static system:node rules to everything else (events, services)', () => {
    expect(authz.authorize(req('create', 'events', { namespace: 'default' })).decision).toBe('allow');
    expect(authz.authorize(req('watch', 'services', {})).decision).toBe('allow');
    expect(authz.authorize(req('create', 'deployments', { apiGroup: 'apps', namespace: 'default' })).decision).toBe('noOpinion');
    expect(authz.rulesFor(node1, 'default')).toEqual({
      resourceRules: [],
      nonResourceRules: [],
      incomplete: true,
      evaluationError: 'node authorizer does not support user rule resolution',
    });
  });
});

describe('the Node,RBAC chain', () => {
  const chain = newAuthorizer({
    nodeGraph: graph,
    rbac: { clusterRoles: () => [], clusterRoleBindings: () => [], roles: () => [], roleBindings: () => [] },
  });

  it('allows system:masters everything before any authorizer', () => {
    expect(chain.authorize(req('delete', 'nodes', { name: 'x' }, { username: 'admin', groups: ['system:masters'] }))).toEqual({ decision: 'allow', reason: '' });
  });

  it('passes what the Node authorizer refuses on to RBAC and joins their reasons', () => {
    expect(chain.authorize(req('get', 'secrets', { namespace: 'default', name: 'not-yours' }))).toEqual({
      decision: 'noOpinion',
      reason: "no relationship found between node 'node-1' and this object",
    });
  });
});
