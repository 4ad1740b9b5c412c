import { RESOURCES, findResource } from '@kubemu/api';
import type { KubeObject, ResourceInfo } from '@kubemu/api';
import { printerFor, toTable } from './index';

const now = new Date('2024-05-01T12:00:00Z');
const pods = findResource('', 'v1', 'pods') as ResourceInfo;
const pod: KubeObject = {
  metadata: { name: 'web-1', namespace: 'default', uid: 'u1', resourceVersion: '42', creationTimestamp: '2024-05-01T11:59:55Z', labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'nginx' }] },
  status: { phase: 'Succeeded' },
};

describe('toTable', () => {
  it('is a meta.k8s.io/v1 Table with full column definitions and one row per object', () => {
    const t = toTable(pods, [pod], { includeObject: 'None', now, metadata: { resourceVersion: '99' } });
    expect(t.kind).toBe('Table');
    expect(t.apiVersion).toBe('meta.k8s.io/v1');
    expect(t.metadata).toEqual({ resourceVersion: '99' });
    expect(t.columnDefinitions[0]).toEqual({ name: 'Name', type: 'string', format: 'name', description: expect.stringContaining('Name must be unique within a namespace') as string, priority: 0 });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    expect(t.rows).toHaveLength(1);
    expect(t.rows[0]?.cells.slice(0, 5)).toEqual(['web-1', '0/1', 'Succeeded', '0', '5s']);
    expect(t.rows[0]?.object).toBeNull();
    expect(t.rows[0]?.conditions?.[0]).toMatchObject({ type: 'Completed', status: 'True' });
    // What kube-apiserver serializes for includeObject=None.
    expect(JSON.parse(JSON.stringify(t.rows[0]))).toHaveProperty('object', null);
  });

  it('carries PartialObjectMetadata for includeObject=Metadata and the typed object for Object', () => {
    const meta = toTable(pods, [pod], { includeObject: 'Metadata', now }).rows[0]?.object;
    expect(meta).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata });
    const full = toTable(pods, [pod], { includeObject: 'Object', now }).rows[0]?.object;
    expect(full).toEqual({ ...pod, apiVersion: 'v1', kind: 'Pod' });
  });

  it('describes every column of every printer', () => {
    for (const r of RESOURCES) {
      for (const c of printerFor(r).columns) expect(`${r.resource}.${c.name}: ${c.description.length > 0 ? 'ok' : 'empty'}`).toBe(`${r.resource}.${c.name}: ok`);
    }
  });

  it('uses the default convertor (Name, Created At) for resources without a printer', () => {
    const widgets: ResourceInfo = { ...pods, group: 'example.com', resource: 'widgets', kind: 'Widget' };
    const t = toTable(widgets, [{ metadata: { name: 'w', creationTimestamp: '2024-05-01T10:00:00Z' } }], { includeObject: 'None', now });
    expect(t.columnDefinitions.map((c) => [c.name, c.type, c.format])).toEqual([
      ['Name', 'string', 'name'],
      ['Created At', 'date', ''],
    ]);
    expect(t.rows[0]?.cells).toEqual(['w', '2024-05-01T10:00:00Z']);
  });

  it('has a printer of its own for every resource kube-apiserver prints specially', () => {
    const special = [
      'pods', 'services', 'deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs', 'nodes', 'namespaces', 'configmaps', 'secrets', 'serviceaccounts',
      'events', 'endpoints', 'persistentvolumes', 'persistentvolumeclaims', 'ingresses', 'networkpolicies', 'horizontalpodautoscalers', 'leases', 'replicationcontrollers',
      'roles', 'rolebindings', 'clusterroles', 'clusterrolebindings', 'controllerrevisions',
    ];
    const fallback = printerFor({ group: 'example.com', resource: 'widgets' });
    const withDefault = special.filter((name) => printerFor(RESOURCES.find((x) => x.resource === name) as ResourceInfo) === fallback);
    expect(withDefault).toEqual([]);
  });
});
