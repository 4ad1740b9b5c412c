// Pod rows for the states a user meets, with the words kubectl prints for them on a real cluster.
import type { Pod } from '@kubemu/api';
import { podRow } from './pod';

const now = new Date('2024-05-01T12:00:00Z');
const created = '2024-05-01T11:55:00Z';

type Status = NonNullable<Pod['status']>;
type ContainerStatus = NonNullable<Status['containerStatuses']>[number];

function pod(status: Status, spec: Partial<NonNullable<Pod['spec']>> = {}, meta: Partial<NonNullable<Pod['metadata']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-7d4b9c8f5-x2x4z', namespace: 'default', creationTimestamp: created, ...meta },
    spec: { containers: [{ name: 'web', image: 'nginx:1.25' }], ...spec },
    status,
  };
}

const cs = (state: ContainerStatus['state'], extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name: 'web',
  image: 'nginx:1.25',
  imageID: '',
  ready: false,
  restartCount: 0,
  state,
  ...extra,
});

/** The first five cells: NAME READY STATUS RESTARTS AGE. */
const main = (p: Pod): unknown[] => podRow(p, now).cells.slice(0, 5);

describe('pod rows', () => {
  it('Pending before scheduling: no containers ready, wide cells <none>', () => {
    const row = podRow(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] }), now);
    expect(row.cells).toEqual(['web-7d4b9c8f5-x2x4z', '0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>']);
    expect(row.conditions).toBeUndefined();
  });

  it('ContainerCreating while the image is pulled', () => {
    const p = pod({ phase: 'Pending', containerStatuses: [cs({ waiting: { reason: 'ContainerCreating' } })] }, { nodeName: 'node-1' });
    expect(main(p)).toEqual(['web-7d4b9c8f5-x2x4z', '0/1', 'ContainerCreating', '0', '5m']);
    expect(podRow(p, now).cells[6]).toBe('node-1');
  });

  it('Running and ready, with its IP and node in the wide columns', () => {
    const p = pod(
      { phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }], containerStatuses: [cs({ running: { startedAt: created } }, { ready: true })] },
      { nodeName: 'node-1' },
    );
    expect(podRow(p, now).cells).toEqual(['web-7d4b9c8f5-x2x4z', '1/1', 'Running', '0', '5m', '10.244.1.5', 'node-1', '<none>', '<none>']);
  });

  it('CrashLoopBackOff with restarts and how long ago the last one ended', () => {
    const p = pod({
      phase: 'Running',
      containerStatuses: [cs({ waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } }, { restartCount: 4, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: '2024-05-01T11:59:30Z' } } })],
    });
    expect(main(p)).toEqual(['web-7d4b9c8f5-x2x4z', '0/1', 'CrashLoopBackOff', '4 (30s ago)', '5m']);
  });

  it('Completed when Succeeded, with the row condition kubectl uses', () => {
    const row = podRow(pod({ phase: 'Succeeded', containerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } })] }), now);
    expect(row.cells.slice(1, 3)).toEqual(['0/1', 'Completed']);
    expect(row.conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  });

  it('Error and ExitCode/Signal when a container terminated without or with a reason', () => {
    expect(main(pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 1, reason: 'Error' } })] }))[2]).toBe('Error');
    expect(main(pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 3 } })] }))[2]).toBe('ExitCode:3');
    expect(main(pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 137, signal: 9 } })] }))[2]).toBe('Signal:9');
    expect(podRow(pod({ phase: 'Failed' }), now).conditions?.[0]?.reason).toBe('Failed');
  });

  it('the first container decides the status; Completed next to a running one reads Running or NotReady', () => {
    const two = (ready: boolean): Pod =>
      pod(
        {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
          containerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } }), cs({ running: {} }, { name: 'side', ready: true })],
        },
        { containers: [{ name: 'web' }, { name: 'side' }] },
      );
    expect(main(two(true)).slice(1, 3)).toEqual(['1/2', 'Running']);
    expect(main(two(false)).slice(1, 3)).toEqual(['1/2', 'NotReady']);
  });

  it('Terminating once deleted (unless already finished), Unknown on a lost node', () => {
    const deleting = { deletionTimestamp: '2024-05-01T11:59:00Z' };
    expect(main(pod({ phase: 'Running', containerStatuses: [cs({ running: {} }, { ready: true })] }, {}, deleting))[2]).toBe('Terminating');
    expect(main(pod({ phase: 'Succeeded', containerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } })] }, {}, deleting))[2]).toBe('Completed');
    expect(main(pod({ phase: 'Running', reason: 'NodeLost' }, {}, deleting))[2]).toBe('Unknown');
  });

  it('init containers: Init:i/n, Init:<waiting reason>, Init:<terminated reason>, Init:ExitCode', () => {
    const spec = { initContainers: [{ name: 'migrate' }, { name: 'warm' }] };
    const done = cs({ terminated: { exitCode: 0, reason: 'Completed' } }, { name: 'migrate' });
    expect(main(pod({ phase: 'Pending', initContainerStatuses: [done, cs({ running: {} }, { name: 'warm' })] }, spec))[2]).toBe('Init:1/2');
    expect(main(pod({ phase: 'Pending', initContainerStatuses: [cs({ waiting: { reason: 'CrashLoopBackOff' } }, { name: 'migrate', restartCount: 2 })] }, spec))).toEqual([
      'web-7d4b9c8f5-x2x4z',
      '0/1',
      'Init:CrashLoopBackOff',
      '2',
      '5m',
    ]);
    expect(main(pod({ phase: 'Pending', initContainerStatuses: [cs({ terminated: { exitCode: 1, reason: 'Error' } }, { name: 'migrate' })] }, spec))[2]).toBe('Init:Error');
    expect(main(pod({ phase: 'Pending', initContainerStatuses: [cs({ terminated: { exitCode: 2 } }, { name: 'migrate' })] }, spec))[2]).toBe('Init:ExitCode:2');
    // PodInitializing is the kubelet's placeholder, not a reason to show.
    expect(main(pod({ phase: 'Pending', initContainerStatuses: [cs({ waiting: { reason: 'PodInitializing' } }, { name: 'migrate' })] }, spec))[2]).toBe('Init:0/2');
  });

  it('counts a started sidecar (restartable init container) as a container', () => {
    const p = pod(
      {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [cs({ running: {} }, { name: 'proxy', started: true, ready: true, restartCount: 1 })],
        containerStatuses: [cs({ running: {} }, { ready: true })],
      },
      { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] },
    );
    expect(main(p).slice(1, 4)).toEqual(['2/2', 'Running', '1']);
  });

  it('SchedulingGated, and readiness gates as true/total', () => {
    expect(main(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }))[2]).toBe('SchedulingGated');
    const gated = pod(
      { phase: 'Running', conditions: [{ type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'False' }] },
      { readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
    );
    expect(podRow(gated, now).cells[8]).toBe('1/2');
  });
});
