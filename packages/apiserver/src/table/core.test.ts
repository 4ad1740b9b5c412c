import type { KubeObject } from '@kubemu/api';
import { printerFor } from './table';

const now = new Date('2024-05-01T12:00:00Z');
const meta = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name, namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z', ...extra });
const cells = (resource: string, obj: KubeObject): unknown[] => printerFor({ group: '', resource }).row(obj, now).cells;
const columns = (resource: string): string[] => printerFor({ group: '', resource }).columns.map((c) => (c.priority > 0 ? `(${c.name})` : c.name));

describe('core printers', () => {
  it('services of each type', () => {
    expect(columns('services')).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', '(Selector)']);
    const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject => ({ metadata: meta('web'), spec: { selector: { app: 'web' }, ...spec }, status });
    expect(cells('services', svc({ type: 'ClusterIP', clusterIP: '10.96.0.12', clusterIPs: ['10.96.0.12'], ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }] }))).toEqual([
      'web',
      'ClusterIP',
      '10.96.0.12',
      '<none>',
      '80/TCP',
      '60m',
      'app=web',
    ]);
    const np = svc({ type: 'NodePort', clusterIPs: ['10.96.0.13'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, nodePort: 30053, protocol: 'UDP' }], externalIPs: ['192.0.2.1'] });
    expect(cells('services', np).slice(1, 5)).toEqual(['NodePort', '10.96.0.13', '192.0.2.1', '80:30080/TCP,53:30053/UDP']);
    expect(cells('services', svc({ type: 'LoadBalancer', clusterIPs: ['10.96.0.14'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] }))[3]).toBe('<pending>');
    expect(cells('services', svc({ type: 'LoadBalancer', clusterIPs: ['10.96.0.14'] }, { loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { hostname: 'lb.example.com' }] } }))[3]).toBe('203.0.113.7,lb.example.com');
    expect(cells('services', svc({ type: 'ExternalName', externalName: 'db.example.com', selector: undefined })).slice(1, 7)).toEqual(['ExternalName', '<none>', 'db.example.com', '<none>', '60m', '<none>']);
    expect(cells('services', svc({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] }))[2]).toBe('None');
  });

  it('endpoints: up to three host:port pairs, then how many more', () => {
    const ep = (subsets: unknown[]): KubeObject => ({ metadata: meta('web'), subsets });
    expect(cells('endpoints', ep([]))).toEqual(['web', '<none>', '60m']);
    const addrs = ['10.244.1.5', '10.244.2.7', 'fd00::3', '10.244.3.9'].map((ip) => ({ ip }));
    expect(cells('endpoints', ep([{ addresses: addrs.slice(0, 2), ports: [{ port: 8080, protocol: 'TCP' }] }]))[1]).toBe('10.244.1.5:8080,10.244.2.7:8080');
    expect(cells('endpoints', ep([{ addresses: addrs, ports: [{ port: 8080 }] }]))[1]).toBe('10.244.1.5:8080,10.244.2.7:8080,[fd00::3]:8080 + 1 more...');
    expect(cells('endpoints', ep([{ addresses: addrs.slice(0, 1) }]))[1]).toBe('10.244.1.5');
  });

  it('nodes: STATUS from the Ready condition and unschedulable, ROLES from labels', () => {
    expect(columns('nodes')).toEqual(['Name', 'Status', 'Roles', 'Age', 'Version', '(Internal-IP)', '(External-IP)', '(OS-Image)', '(Kernel-Version)', '(Container-Runtime)']);
    const node = {
      metadata: meta('node-1', { namespace: undefined, labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/': '', 'kubernetes.io/role': 'edge' } }),
      spec: { unschedulable: true, podCIDR: '10.244.1.0/24' },
      status: {
        conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '172.18.0.2' }, { type: 'Hostname', address: 'node-1' }],
        nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'kubemu://0.1.0' },
      },
    };
    expect(cells('nodes', node)).toEqual(['node-1', 'Ready,SchedulingDisabled', 'control-plane,edge', '60m', 'v1.32.0', '172.18.0.2', '<none>', 'Debian GNU/Linux 12', '6.1.0', 'kubemu://0.1.0']);
    expect(cells('nodes', { metadata: meta('node-2'), status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }).slice(1, 3)).toEqual(['NotReady', '<none>']);
    expect(cells('nodes', { metadata: meta('node-3') }).slice(7)).toEqual(['<unknown>', '<unknown>', '<unknown>']);
    expect(cells('nodes', { metadata: meta('node-3') })[1]).toBe('Unknown');
  });

  it('namespaces, configmaps, secrets and service accounts', () => {
    expect(cells('namespaces', { metadata: meta('team-a'), status: { phase: 'Terminating' } })).toEqual(['team-a', 'Terminating', '60m']);
    expect(columns('configmaps')).toEqual(['Name', 'Data', 'Age']);
    expect(cells('configmaps', { metadata: meta('kube-root-ca.crt'), data: { 'ca.crt': '...' }, binaryData: { logo: 'AA==' } })).toEqual(['kube-root-ca.crt', 2, '60m']);
    expect(columns('secrets')).toEqual(['Name', 'Type', 'Data', 'Age']);
    expect(cells('secrets', { metadata: meta('tls'), type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } })).toEqual(['tls', 'kubernetes.io/tls', 2, '60m']);
    expect(cells('serviceaccounts', { metadata: meta('default') })).toEqual(['default', 0, '60m']);
  });

  it('events: LAST SEEN TYPE REASON OBJECT MESSAGE, with the wide columns after', () => {
    expect(columns('events')).toEqual(['Last Seen', 'Type', 'Reason', 'Object', '(Subobject)', '(Source)', 'Message', '(First Seen)', '(Count)', '(Name)']);
    const ev = {
      metadata: meta('web-1.17c'),
      involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', fieldPath: 'spec.containers{web}' },
      reason: 'Pulled',
      message: 'Successfully pulled image "nginx"\n',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: '2024-05-01T11:50:00Z',
      lastTimestamp: '2024-05-01T11:58:00Z',
      count: 3,
      type: 'Normal',
    };
    expect(cells('events', ev)).toEqual(['2m', 'Normal', 'Pulled', 'pod/web-1', 'spec.containers{web}', 'kubelet, node-1', 'Successfully pulled image "nginx"', '10m', 3, 'web-1.17c']);
    const series = {
      metadata: meta('e2'),
      involvedObject: { kind: 'Node', name: 'node-1' },
      eventTime: '2024-05-01T11:40:00.000000Z',
      series: { count: 7, lastObservedTime: '2024-05-01T11:59:00.000000Z' },
      reportingComponent: 'kube-scheduler',
      type: 'Warning',
      reason: 'FailedScheduling',
    };
    expect(cells('events', series)).toEqual(['60s', 'Warning', 'FailedScheduling', 'node/node-1', '', 'kube-scheduler', '', '20m', 7, 'e2']);
    expect(cells('events', { metadata: meta('e3'), involvedObject: { kind: 'Pod' } })).toEqual(['<unknown>', '', '', 'pod', '', '', '', '<unknown>', 1, 'e3']);
  });

  it('persistent volumes and claims', () => {
    const pv = {
      metadata: meta('pv-1', { namespace: undefined }),
      spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'standard' },
      status: { phase: 'Bound' },
    };
    expect(cells('persistentvolumes', pv)).toEqual(['pv-1', '10Gi', 'RWO', 'Retain', 'Bound', 'default/data', 'standard', '<unset>', '', '60m', '<unset>']);
    expect(cells('persistentvolumes', { ...pv, metadata: meta('pv-1', { deletionTimestamp: '2024-05-01T11:59:00Z' }) })[4]).toBe('Terminating');
    const pvc = (spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject => ({ metadata: meta('data'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, ...spec }, status });
    expect(cells('persistentvolumeclaims', pvc({ volumeName: 'pv-1', storageClassName: 'standard', volumeMode: 'Filesystem' }, { phase: 'Bound', capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'] }))).toEqual([
      'data',
      'Bound',
      'pv-1',
      '10Gi',
      'RWO',
      'standard',
      '<unset>',
      '60m',
      'Filesystem',
    ]);
    const pending = pvc({ storageClassName: 'standard' }, { phase: 'Pending' });
    (pending.metadata as Record<string, unknown>).annotations = { 'volume.beta.kubernetes.io/storage-class': 'fast' };
    expect(cells('persistentvolumeclaims', pending)).toEqual(['data', 'Pending', '', '', '', 'fast', '<unset>', '60m', '<unset>']);
  });
});
