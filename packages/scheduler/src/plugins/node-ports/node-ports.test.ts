import { newNodePorts, ERR_REASON_PORTS } from './index';
import { info, node, nodeInfo, placements, pod, snapshotOf } from '../../testing/fixtures';

describe('NodePorts', () => {
  it('a pod must not land where its hostPort is taken', () => {
    const nodes = () => [nodeInfo(node('taken'), pod('other', { hostPort: 8080 })), nodeInfo(node('free'), pod('same-size'))];
    expect(placements(pod('web', { hostPort: 8080 }), nodes())).toEqual(new Set(['free']));
    expect(placements(pod('web', { hostPort: 8080 }), nodes(), { without: 'NodePorts' }).has('taken')).toBe(true);
  });

  it('rejects with the Kubernetes reason; different ports or protocols do not collide', () => {
    const plugin = newNodePorts();
    const n = nodeInfo(node('n'), pod('other', { hostPort: 8080 }));
    const state = new Map<string, unknown>();
    expect(plugin.preFilter(state, info(pod('none')), snapshotOf(n)).code).toBe('Skip');
    expect(plugin.filter(state, info(pod('same', { hostPort: 8080 })), n)).toEqual({ code: 'Unschedulable', reasons: [ERR_REASON_PORTS] });
    expect(plugin.filter(state, info(pod('diff', { hostPort: 8081 })), n).code).toBe('Success');
    const udp = pod('udp', { containers: [{ name: 'c', image: 'dns', ports: [{ containerPort: 53, hostPort: 8080, protocol: 'UDP' }] }] });
    expect(plugin.filter(state, info(udp), n).code).toBe('Success');
  });
});
