import type { Node } from '@kubemu/api';
import { newNodeIpamController } from './node-ipam-controller';
import { CidrSet } from './cidr-set';
import { resourceInfo, startController } from '../statefulset/controller-test-harness';
import type { Harness } from '../statefulset/controller-test-harness';

const NODES = resourceInfo('', 'v1', 'nodes');

const node = (name: string, podCIDR?: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});
const cidrOf = (h: Harness, name: string): string | undefined => h.fake.object<Node>(NODES, undefined, name)?.spec?.podCIDR;

describe('CidrSet', () => {
  it('cuts 10.244.0.0/16 into 256 /24s and hands out the lowest free one', () => {
    const s = new CidrSet('10.244.0.0/16');
    expect(s.size).toBe(256);
    expect(s.occupy('10.244.0.0/24')).toBe(true);
    expect(s.occupy('10.245.0.0/24')).toBe(false);
    expect(s.allocateNext()).toBe('10.244.1.0/24');
    s.release('10.244.0.0/24');
    expect(s.allocateNext()).toBe('10.244.0.0/24');
    expect(s.cidrOf(255)).toBe('10.244.255.0/24');
  });
});

describe('node IPAM controller', () => {
  let h: Harness;
  afterEach(async () => h.stop());

  it('gives every node its own /24, rebuilding the allocations from existing nodes on start', async () => {
    h = await startController(newNodeIpamController, [node('n1', '10.244.0.0/24'), node('n2'), node('n3', '10.244.2.0/24')]);
    await h.until(() => cidrOf(h, 'n2') !== undefined, 'n2 cidr');
    expect(cidrOf(h, 'n2')).toBe('10.244.1.0/24');
    expect(h.fake.object<Node>(NODES, undefined, 'n2')?.spec?.podCIDRs).toEqual(['10.244.1.0/24']);
    await h.client.resource<Node>(NODES).create(node('n4'));
    await h.until(() => cidrOf(h, 'n4') !== undefined, 'n4 cidr');
    expect(cidrOf(h, 'n4')).toBe('10.244.3.0/24');
    // A deleted node's subnet is free again.
    await h.client.resource<Node>(NODES).delete('n2');
    await h.settle();
    await h.client.resource<Node>(NODES).create(node('n5'));
    await h.until(() => cidrOf(h, 'n5') !== undefined, 'n5 cidr');
    expect(cidrOf(h, 'n5')).toBe('10.244.1.0/24');
  });

  it('reports CIDRNotAvailable when the cluster CIDR is exhausted', async () => {
    h = await startController(newNodeIpamController, [node('a'), node('b'), node('c')], { clusterCidr: '10.0.0.0/23' });
    await h.until(() => h.events('CIDRNotAvailable').length === 1, 'event');
    const cidrs = ['a', 'b', 'c'].map((n) => cidrOf(h, n));
    expect(cidrs.filter((c) => c !== undefined).sort()).toEqual(['10.0.0.0/24', '10.0.1.0/24']);
    const starved = ['a', 'b', 'c'][cidrs.indexOf(undefined)];
    expect(h.events('CIDRNotAvailable')).toEqual([`CIDRNotAvailable: Node ${starved} status is now: CIDRNotAvailable`]);
  });
});
