import type { Pod } from '@kubemu/api';
import type { UserInfo } from '../user';
import type { NodeAdmissionRequest } from './node-restriction';
import { nodeRestriction } from './node-restriction';

const node1: UserInfo = { username: 'system:node:node-1', groups: ['system:nodes', 'system:authenticated'] };
const boundTo = (nodeName: string, annotations?: Record<string, string>): Pod => ({
  metadata: { name: 'p', namespace: 'default', ...(annotations ? { annotations } : {}) },
  spec: { nodeName, containers: [{ name: 'c', image: 'i' }] },
});
const pods = (r: Partial<NodeAdmissionRequest>): NodeAdmissionRequest => ({ user: node1, operation: 'UPDATE', apiGroup: '', resource: 'pods', namespace: 'default', name: 'p', ...r });

describe('nodeRestriction', () => {
  it('lets a kubelet modify its own Node only', () => {
    expect(nodeRestriction({ user: node1, operation: 'UPDATE', apiGroup: '', resource: 'nodes', name: 'node-1', subresource: 'status' })).toBeUndefined();
    expect(nodeRestriction({ user: node1, operation: 'CREATE', apiGroup: '', resource: 'nodes', object: { metadata: { name: 'node-1' } } })).toBeUndefined();
    const other = nodeRestriction({ user: node1, operation: 'UPDATE', apiGroup: '', resource: 'nodes', name: 'node-2' });
    expect(other?.message).toBe('nodes "node-2" is forbidden: node "node-1" is not allowed to modify node "node-2"');
    expect(other?.details).toEqual({ name: 'node-2', kind: 'nodes' });
  });

  it('lets a kubelet update the status of, evict and delete only the pods bound to it', () => {
    expect(nodeRestriction(pods({ subresource: 'status', oldObject: boundTo('node-1') }))).toBeUndefined();
    expect(nodeRestriction(pods({ subresource: 'status', oldObject: boundTo('node-2') }))?.message).toBe(
      'pods "p" is forbidden: node "node-1" can only update pod status for pods with spec.nodeName set to itself',
    );
    expect(nodeRestriction(pods({ operation: 'DELETE', oldObject: boundTo('node-2') }))?.code).toBe(403);
    expect(nodeRestriction(pods({ operation: 'CREATE', subresource: 'eviction', oldObject: boundTo('node-1') }))).toBeUndefined();
  });

  it('lets a kubelet create only mirror pods bound to itself', () => {
    const create = (pod: Pod): NodeAdmissionRequest => pods({ operation: 'CREATE', name: '', object: pod });
    expect(nodeRestriction(create(boundTo('node-1', { 'kubernetes.io/config.mirror': 'hash' })))).toBeUndefined();
    expect(nodeRestriction(create(boundTo('node-1')))?.message).toBe(
      'pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node-1" can only create mirror pods',
    );
    expect(nodeRestriction(create(boundTo('node-2', { 'kubernetes.io/config.mirror': 'hash' })))?.message).toBe(
      'pods "p" is forbidden: node "node-1" can only create pods with spec.nodeName set to itself',
    );
  });

  it('checks the name of a Lease being created, which the authorizer cannot see', () => {
    const lease = (name: string): NodeAdmissionRequest => ({
      user: node1,
      operation: 'CREATE',
      apiGroup: 'coordination.k8s.io',
      resource: 'leases',
      namespace: 'kube-node-lease',
      object: { metadata: { name } },
    });
    expect(nodeRestriction(lease('node-1'))).toBeUndefined();
    expect(nodeRestriction(lease('node-2'))?.message).toBe(
      'leases.coordination.k8s.io "node-2" is forbidden: can only access node lease with the same name as the requesting node',
    );
  });

  it('leaves users that are not nodes alone', () => {
    expect(nodeRestriction({ ...pods({ oldObject: boundTo('node-2') }), user: { username: 'alice', groups: [] } })).toBeUndefined();
  });
});
