import { newTaintToleration } from './index';
import { info, node, nodeInfo, placements, pod } from '../../testing/fixtures';

const controlPlane = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

describe('TaintToleration', () => {
  it('a pod without the toleration must not land on the tainted node', () => {
    const nodes = () => [nodeInfo(node('cp', { taints: [controlPlane] })), nodeInfo(node('worker'))];
    expect(placements(pod('web'), nodes())).toEqual(new Set(['worker']));
    expect(placements(pod('web'), nodes(), { without: 'TaintToleration' }).has('cp')).toBe(true);
  });

  it('words the rejection as Kubernetes does, with the taint key and value', () => {
    const plugin = newTaintToleration();
    const n = nodeInfo(node('n', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] }));
    expect(plugin.filter(new Map(), info(pod('p')), n)).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: ['node(s) had untolerated taint {dedicated: gpu}'] });
    expect(plugin.filter(new Map(), info(pod('p')), nodeInfo(node('m', { taints: [controlPlane] }))).reasons).toEqual([
      'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }',
    ]);
  });

  it.each([
    ['Equal with value', { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, true],
    ['Equal, wrong value', { key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }, false],
    ['Exists on the key', { key: 'dedicated', operator: 'Exists' }, true],
    ['Exists, other effect', { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, false],
    ['empty key with Exists tolerates everything', { operator: 'Exists' }, true],
  ])('toleration: %s', (_n, toleration, ok) => {
    const n = nodeInfo(node('n', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }));
    expect(newTaintToleration().filter(new Map(), info(pod('p', { tolerations: [toleration] })), n).code === 'Success').toBe(ok);
  });

  it('PreferNoSchedule does not filter but scores lower', () => {
    const nodes = [nodeInfo(node('soft', { taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] })), nodeInfo(node('clean'))];
    expect(placements(pod('p'), nodes)).toEqual(new Set(['clean']));
    expect(placements(pod('p', { tolerations: [{ key: 'spot', operator: 'Exists' }] }), [nodeInfo(node('soft', { taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] }))])).toEqual(new Set(['soft']));
  });
});
