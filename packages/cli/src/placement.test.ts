import { parseCompose } from './compose-file';
import { rewriteForLoopback } from './loopback';
import { hostsFile, placeServices } from './placement';
import { withDependencies } from './start-order';

const project = parseCompose(
  `
services:
  etcd-0: { command: x }
  node-1: { command: kubelet }
  kube-proxy: { command: proxy, network_mode: "service:node-1" }
`,
  { file: '/r/compose.yaml', projectName: 'p' },
);

describe('placeServices', () => {
  it('gives each namespace owner an address in the slot and shares it with joiners', () => {
    const netns = placeServices(project, 'netns', 3);
    expect(netns.get('etcd-0')).toEqual({ name: 'etcd-0', address: '172.28.3.10', owner: 'etcd-0', netns: 'kubemu-p-etcd-0', veth: 'km3s0' });
    expect(netns.get('kube-proxy')).toEqual({ name: 'kube-proxy', address: '172.28.3.11', owner: 'node-1', netns: 'kubemu-p-node-1' });
    expect(placeServices(project, 'loopback', 3).get('node-1')?.address).toBe('127.0.3.11');
  });

  it('writes hosts lines for name and name.project', () => {
    expect(hostsFile('p', placeServices(project, 'netns', 1).values())).toContain('172.28.1.10\tetcd-0 etcd-0.p\n');
  });

  it('selects services with their dependencies', () => {
    expect(withDependencies(project.services, ['kube-proxy']).map((s) => s.name)).toEqual(['node-1', 'kube-proxy']);
  });
});

describe('rewriteForLoopback', () => {
  const ctx = {
    selfAddress: '127.0.1.10',
    addresses: new Map([
      ['etcd-0', '127.0.1.10'],
      ['etcd-1', '127.0.1.11'],
    ]),
    volumes: [['/var/lib/kubemu', '/run/p/volumes/data'] as const],
  };

  it('rewrites listen addresses, peer names in host position and volume paths', () => {
    expect(rewriteForLoopback('http://0.0.0.0:2379', ctx)).toBe('http://127.0.1.10:2379');
    expect(rewriteForLoopback('etcd-0=http://etcd-0:2380,etcd-1=http://etcd-1:2380', ctx)).toBe('etcd-0=http://127.0.1.10:2380,etcd-1=http://127.0.1.11:2380');
    expect(rewriteForLoopback('etcd-1:2379', ctx)).toBe('127.0.1.11:2379');
    expect(rewriteForLoopback('/var/lib/kubemu/etcd-0', ctx)).toBe('/run/p/volumes/data/etcd-0');
  });

  it('leaves names outside host position and look-alike paths alone', () => {
    expect(rewriteForLoopback('--name etcd-0', ctx)).toBe('--name etcd-0');
    expect(rewriteForLoopback('/var/lib/kubemu2', ctx)).toBe('/var/lib/kubemu2');
    expect(rewriteForLoopback('10.0.0.0/8', ctx)).toBe('10.0.0.0/8');
  });
});
