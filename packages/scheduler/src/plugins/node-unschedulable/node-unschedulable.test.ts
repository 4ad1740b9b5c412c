import { newNodeUnschedulable, ERR_REASON_UNSCHEDULABLE } from './index';
import { info, node, nodeInfo, placements, pod } from '../../testing/fixtures';

describe('NodeUnschedulable', () => {
  it('a cordoned node takes no pods, unless they tolerate node.kubernetes.io/unschedulable', () => {
    const nodes = () => [nodeInfo(node('cordoned', { unschedulable: true })), nodeInfo(node('open'))];
    expect(placements(pod('web'), nodes())).toEqual(new Set(['open']));
    expect(placements(pod('web'), nodes(), { without: 'NodeUnschedulable' }).has('cordoned')).toBe(true);
    const tolerant = pod('ds', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] });
    expect(newNodeUnschedulable().filter(new Map(), info(tolerant), nodeInfo(node('c', { unschedulable: true }))).code).toBe('Success');
    expect(newNodeUnschedulable().filter(new Map(), info(pod('p')), nodeInfo(node('c', { unschedulable: true })))).toEqual({
      code: 'UnschedulableAndUnresolvable',
      reasons: [ERR_REASON_UNSCHEDULABLE],
    });
  });
});
