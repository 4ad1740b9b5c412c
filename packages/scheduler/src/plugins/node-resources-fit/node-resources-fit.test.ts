import { newNodeResourcesFit, insufficientResources } from './index';
import { info, node, nodeInfo, placements, pod } from '../../testing/fixtures';

describe('NodeResourcesFit', () => {
  it('a pod that does not fit the busy node goes to the free one (and without the filter it may not)', () => {
    const nodes = () => [nodeInfo(node('busy', { cpu: '2' }), pod('hog', { cpu: '1500m' })), nodeInfo(node('free', { cpu: '2' }))];
    const p = pod('web', { cpu: '1' });
    expect(placements(p, nodes())).toEqual(new Set(['free']));
    // Scoring alone still prefers the free node; a tie breaker must not be what keeps the pod off:
    // with equal scores the only thing that decides is the filter.
    const tied = () => [nodeInfo(node('small', { cpu: '500m', memory: '16Gi' })), nodeInfo(node('big', { cpu: '500m', memory: '16Gi' }), pod('x', { cpu: '0' }))];
    expect(placements(pod('web', { cpu: '1' }), tied())).toEqual(new Set(['0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.']));
    expect([...placements(pod('web', { cpu: '1' }), tied(), { without: 'NodeResourcesFit' })].every((n) => n === 'small' || n === 'big')).toBe(true);
  });

  it('counts cpu, memory and pods against allocatable minus requested, with Kubernetes reasons', () => {
    const n = nodeInfo(node('n', { cpu: '2', memory: '4Gi', pods: '2' }), pod('a', { cpu: '1', memory: '3Gi' }), pod('b'));
    const p = info(pod('p', { cpu: '1500m', memory: '2Gi' }));
    expect(insufficientResources(p, n)).toEqual(['Too many pods', 'Insufficient cpu', 'Insufficient memory']);
    expect(newNodeResourcesFit().filter(new Map(), p, n)).toEqual({ code: 'Unschedulable', reasons: ['Too many pods', 'Insufficient cpu', 'Insufficient memory'] });
    expect(insufficientResources(info(pod('q', { cpu: '1', memory: '1Gi' })), nodeInfo(node('m', { cpu: '2', memory: '4Gi' }), pod('a', { cpu: '1' })))).toEqual([]);
  });

  it("takes init containers at their peak: max(sum of containers, largest init container)", () => {
    const p = pod('p', {
      cpu: '500m',
      initContainers: [{ name: 'init', image: 'busybox', resources: { requests: { cpu: '3' } } }],
    });
    expect(info(p).requests.milliCpu).toBe(3000);
    const n = nodeInfo(node('n', { cpu: '2' }));
    expect(insufficientResources(info(p), n)).toEqual(['Insufficient cpu']);
    // A sidecar (restartPolicy Always) keeps running: it adds to the regular containers.
    const s = pod('s', { cpu: '500m', initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always', resources: { requests: { cpu: '1' } } }] });
    expect(info(s).requests.milliCpu).toBe(1500);
  });

  it('checks extended resources', () => {
    const n = nodeInfo(node('n', { extra: { 'example.com/gpu': '1' } }));
    const p = pod('p', { containers: [{ name: 'c', image: 'cuda', resources: { requests: { 'example.com/gpu': '2' } } }] });
    expect(insufficientResources(info(p), n)).toEqual(['Insufficient example.com/gpu']);
  });

  it('scores least-allocated: more room left scores higher', () => {
    const plugin = newNodeResourcesFit();
    const p = info(pod('p', { cpu: '1', memory: '1Gi' }));
    const empty = plugin.score(new Map(), p, nodeInfo(node('e', { cpu: '4', memory: '16Gi' })));
    const half = plugin.score(new Map(), p, nodeInfo(node('h', { cpu: '4', memory: '16Gi' }), pod('x', { cpu: '2', memory: '8Gi' })));
    expect(empty).toBeGreaterThan(half);
    // (4000-1000)*100/4000 = 75 for cpu, (16-1)*100/16 = 93 for memory: (75+93)/2 = 84.
    expect(empty).toBe(84);
  });
});
