import type { KubeObject } from '@kubemu/api';
import { printerFor } from './table';

const now = new Date('2024-05-01T12:00:00Z');
const meta = (name: string): Record<string, unknown> => ({ name, namespace: 'default', creationTimestamp: '2024-04-24T12:00:00Z' });
const cells = (group: string, resource: string, obj: KubeObject): unknown[] => printerFor({ group, resource }).row(obj, now).cells;
const columns = (group: string, resource: string): string[] => printerFor({ group, resource }).columns.map((c) => (c.priority > 0 ? `(${c.name})` : c.name));

describe('networking, autoscaling, coordination and RBAC printers', () => {
  it('ingresses: CLASS HOSTS ADDRESS PORTS', () => {
    expect(columns('networking.k8s.io', 'ingresses')).toEqual(['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
    const ing = {
      metadata: meta('shop'),
      spec: { ingressClassName: 'nginx', rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }, {}, { host: 'c.example.com' }, { host: 'd.example.com' }], tls: [{ hosts: ['a.example.com'] }] },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } },
    };
    expect(cells('networking.k8s.io', 'ingresses', ing)).toEqual(['shop', 'nginx', 'a.example.com,b.example.com,c.example.com + 2 more...', '203.0.113.9', '80, 443', '7d']);
    expect(cells('networking.k8s.io', 'ingresses', { metadata: meta('bare'), spec: { defaultBackend: {} } })).toEqual(['bare', '<none>', '*', '', '80', '7d']);
  });

  it('network policies: POD-SELECTOR', () => {
    expect(cells('networking.k8s.io', 'networkpolicies', { metadata: meta('deny-all'), spec: { podSelector: {}, policyTypes: ['Ingress'] } })).toEqual(['deny-all', '<none>', '7d']);
    expect(cells('networking.k8s.io', 'networkpolicies', { metadata: meta('db'), spec: { podSelector: { matchLabels: { role: 'db' } } } })[1]).toBe('role=db');
  });

  it('horizontal pod autoscalers: REFERENCE TARGETS MINPODS MAXPODS REPLICAS', () => {
    expect(columns('autoscaling', 'horizontalpodautoscalers')).toEqual(['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
    const hpa = {
      metadata: meta('web'),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '512Mi' } } },
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
        ],
      },
      status: { currentReplicas: 3, desiredReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45, averageValue: '90m' } } }] },
    };
    expect(cells('autoscaling', 'horizontalpodautoscalers', hpa)).toEqual(['web', 'Deployment/web', 'cpu: 45%/80%, memory: <unknown>/512Mi + 1 more...', '2', 10, 3, '7d']);
    const bare = { metadata: meta('idle'), spec: { scaleTargetRef: { kind: 'Deployment', name: 'idle' }, maxReplicas: 1 } };
    expect(cells('autoscaling', 'horizontalpodautoscalers', bare)).toEqual(['idle', 'Deployment/idle', '<none>', '<unset>', 1, 0, '7d']);
  });

  it('leases: HOLDER', () => {
    expect(cells('coordination.k8s.io', 'leases', { metadata: meta('kube-scheduler'), spec: { holderIdentity: 'scheduler-0_4f2c', leaseDurationSeconds: 15 } })).toEqual(['kube-scheduler', 'scheduler-0_4f2c', '7d']);
    expect(cells('coordination.k8s.io', 'leases', { metadata: meta('free'), spec: {} })[1]).toBe('');
  });

  it('roles and cluster roles: NAME and CREATED AT', () => {
    expect(columns('rbac.authorization.k8s.io', 'roles')).toEqual(['Name', 'Created At']);
    expect(printerFor({ group: 'rbac.authorization.k8s.io', resource: 'clusterroles' }).columns[1]?.type).toBe('date');
    expect(cells('rbac.authorization.k8s.io', 'clusterroles', { metadata: { name: 'view', creationTimestamp: '2024-04-24T12:00:00Z' }, rules: [] })).toEqual(['view', '2024-04-24T12:00:00Z']);
  });

  it('role bindings: ROLE, with users, groups and service accounts in the wide columns', () => {
    expect(columns('rbac.authorization.k8s.io', 'rolebindings')).toEqual(['Name', 'Role', 'Age', '(Users)', '(Groups)', '(ServiceAccounts)']);
    const rb = {
      metadata: meta('edit-team'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [
        { kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' },
        { kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' },
        { kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' },
        { kind: 'ServiceAccount', name: 'ci', namespace: 'tools' },
      ],
    };
    expect(cells('rbac.authorization.k8s.io', 'rolebindings', rb)).toEqual(['edit-team', 'ClusterRole/edit', '7d', 'alice, bob', 'devs', 'tools/ci']);
    expect(cells('rbac.authorization.k8s.io', 'clusterrolebindings', { ...rb, subjects: undefined }).slice(3)).toEqual(['', '', '']);
    expect(printerFor({ group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' }).columns[3]?.description).toBe('Users in the clusterRoleBinding');
  });
});
