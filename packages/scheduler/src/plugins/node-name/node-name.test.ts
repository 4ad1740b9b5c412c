import { newNodeName, ERR_REASON_NODE_NAME } from './index';
import { info, node, nodeInfo, pod } from '../../testing/fixtures';

describe('NodeName', () => {
  it('a pod naming a node fits only that node', () => {
    const plugin = newNodeName();
    const p = info(pod('p', { nodeName: 'b' }));
    expect(plugin.filter(new Map(), p, nodeInfo(node('b'))).code).toBe('Success');
    expect(plugin.filter(new Map(), p, nodeInfo(node('a')))).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_NODE_NAME] });
    expect(plugin.filter(new Map(), info(pod('q')), nodeInfo(node('a'))).code).toBe('Success');
  });
});
