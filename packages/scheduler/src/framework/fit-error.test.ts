import { FitError } from './fit-error';
import { unresolvable, unschedulable, withPlugin } from './status';
import { pod } from '../testing/fixtures';

describe('FitError', () => {
  it('words the failure as kube-scheduler does', () => {
    const statuses = new Map([
      ['node-1', withPlugin(unresolvable('node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'), 'TaintToleration')],
      ['node-2', withPlugin(unresolvable('node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'), 'TaintToleration')],
      ['node-3', withPlugin(unschedulable('Insufficient cpu'), 'NodeResourcesFit')],
    ]);
    const e = new FitError(pod('web-1'), 3, statuses);
    expect(e.message()).toBe(
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. ' +
        'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
    );
    expect(e.unschedulablePlugins()).toEqual(new Set(['TaintToleration', 'NodeResourcesFit']));
  });

  it('all unresolvable: preemption is not helpful anywhere', () => {
    const statuses = new Map(['a', 'b', 'c'].map((n) => [n, unresolvable("node(s) didn't match Pod's node affinity/selector")]));
    expect(new FitError(pod('p'), 3, statuses).message()).toBe(
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
  });
});
