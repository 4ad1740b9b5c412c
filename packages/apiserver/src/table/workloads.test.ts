import type { KubeObject } from '@kubemu/api';
import { printerFor } from './table';

const now = new Date('2024-05-01T12:00:00Z');
const meta = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name, namespace: 'default', creationTimestamp: '2024-04-30T12:00:00Z', ...extra });
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }, { name: 'log', image: 'fluent-bit:3' }] } };
const cells = (group: string, resource: string, obj: KubeObject): unknown[] => printerFor({ group, resource }).row(obj, now).cells;
const columns = (group: string, resource: string): string[] => printerFor({ group, resource }).columns.map((c) => (c.priority > 0 ? `(${c.name})` : c.name));

describe('workload printers', () => {
  it('deployments: NAME READY UP-TO-DATE AVAILABLE AGE, wide CONTAINERS IMAGES SELECTOR', () => {
    expect(columns('apps', 'deployments')).toEqual(['Name', 'Ready', 'Up-to-date', 'Available', 'Age', '(Containers)', '(Images)', '(Selector)']);
    const d = {
      metadata: meta('web'),
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
      status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    };
    expect(cells('apps', 'deployments', d)).toEqual(['web', '2/3', 3, 2, '24h', 'web,log', 'nginx:1.25,fluent-bit:3', 'app=web']);
    expect(cells('apps', 'deployments', { metadata: meta('new'), spec: { template } })).toEqual(['new', '0/0', 0, 0, '24h', 'web,log', 'nginx:1.25,fluent-bit:3', '']);
  });

  it('replicasets and replication controllers: DESIRED CURRENT READY', () => {
    expect(columns('apps', 'replicasets')).toEqual(['Name', 'Desired', 'Current', 'Ready', 'Age', '(Containers)', '(Images)', '(Selector)']);
    const rs = { metadata: meta('web-7d4b9c8f5'), spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d4b9c8f5' } }, template }, status: { replicas: 3, readyReplicas: 1 } };
    expect(cells('apps', 'replicasets', rs)).toEqual(['web-7d4b9c8f5', 3, 3, 1, '24h', 'web,log', 'nginx:1.25,fluent-bit:3', 'app=web,pod-template-hash=7d4b9c8f5']);
    const rc = { metadata: meta('legacy'), spec: { replicas: 2, selector: { app: 'legacy' }, template }, status: { replicas: 2, readyReplicas: 2 } };
    expect(cells('', 'replicationcontrollers', rc)).toEqual(['legacy', 2, 2, 2, '24h', 'web,log', 'nginx:1.25,fluent-bit:3', 'app=legacy']);
  });

  it('statefulsets: READY as ready/desired', () => {
    expect(columns('apps', 'statefulsets')).toEqual(['Name', 'Ready', 'Age', '(Containers)', '(Images)']);
    expect(cells('apps', 'statefulsets', { metadata: meta('db'), spec: { replicas: 3, serviceName: 'db', selector: {}, template }, status: { replicas: 3, readyReplicas: 3 } })).toEqual([
      'db',
      '3/3',
      '24h',
      'web,log',
      'nginx:1.25,fluent-bit:3',
    ]);
  });

  it('daemonsets: the scheduling counts and the node selector', () => {
    expect(columns('apps', 'daemonsets')).toEqual(['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', '(Containers)', '(Images)', '(Selector)']);
    const ds = {
      metadata: meta('fluentd'),
      spec: { selector: { matchLabels: { app: 'fluentd' } }, template: { ...template, spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2, numberMisscheduled: 0 },
    };
    expect(cells('apps', 'daemonsets', ds)).toEqual(['fluentd', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '24h', 'web,log', 'nginx:1.25,fluent-bit:3', 'app=fluentd']);
  });

  it('jobs: STATUS COMPLETIONS DURATION AGE', () => {
    expect(columns('batch', 'jobs')).toEqual(['Name', 'Status', 'Completions', 'Duration', 'Age', '(Containers)', '(Images)', '(Selector)']);
    const job = (spec: Record<string, unknown>, status: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject => ({
      metadata: meta('pi', extra),
      spec: { template, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } }, ...spec },
      status,
    });
    const complete = job({ completions: 1 }, { succeeded: 1, startTime: '2024-05-01T11:00:00Z', completionTime: '2024-05-01T11:00:42Z', conditions: [{ type: 'Complete', status: 'True' }] });
    expect(cells('batch', 'jobs', complete).slice(0, 5)).toEqual(['pi', 'Complete', '1/1', '42s', '24h']);
    const running = job({ completions: 5, parallelism: 2 }, { succeeded: 2, startTime: '2024-05-01T11:50:00Z' });
    expect(cells('batch', 'jobs', running).slice(1, 4)).toEqual(['Running', '2/5', '10m']);
    expect(cells('batch', 'jobs', job({ parallelism: 3 }, {})).slice(1, 4)).toEqual(['Running', '0/1 of 3', '']);
    expect(cells('batch', 'jobs', job({}, { failed: 6, conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }] }))[1]).toBe('Failed');
    expect(cells('batch', 'jobs', job({ suspend: true }, { conditions: [{ type: 'Suspended', status: 'True' }] }))[1]).toBe('Suspended');
    expect(cells('batch', 'jobs', job({}, {}, { deletionTimestamp: '2024-05-01T11:59:00Z' }))[1]).toBe('Terminating');
    expect(cells('batch', 'jobs', complete)[7]).toBe('batch.kubernetes.io/controller-uid=u1');
  });

  it('cronjobs: SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE', () => {
    expect(columns('batch', 'cronjobs')).toEqual(['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', '(Containers)', '(Images)', '(Selector)']);
    const cj = { metadata: meta('backup'), spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template } } }, status: { active: [{ name: 'backup-1' }], lastScheduleTime: '2024-05-01T11:55:00Z' } };
    expect(cells('batch', 'cronjobs', cj)).toEqual(['backup', '*/5 * * * *', '<none>', 'False', 1, '5m', '24h', 'web,log', 'nginx:1.25,fluent-bit:3', '<none>']);
    const fresh = { metadata: meta('nightly'), spec: { schedule: '0 3 * * *', timeZone: 'Etc/UTC', jobTemplate: { spec: { template } } } };
    expect(cells('batch', 'cronjobs', fresh).slice(0, 6)).toEqual(['nightly', '0 3 * * *', 'Etc/UTC', '<unset>', 0, '<none>']);
  });

  it('controllerrevisions: CONTROLLER as group-qualified kind/name, REVISION', () => {
    const rev = { metadata: meta('fluentd-6b8f9', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'fluentd', uid: 'u', controller: true }] }), revision: 2 };
    expect(cells('apps', 'controllerrevisions', rev)).toEqual(['fluentd-6b8f9', 'daemonset.apps/fluentd', 2, '24h']);
    expect(cells('apps', 'controllerrevisions', { metadata: meta('orphan'), revision: 1 })[1]).toBe('<none>');
  });
});
