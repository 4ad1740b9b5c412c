import type { Pod } from '../types';
import { errorMessage } from './field-errors';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, validateAnnotations } from './names';
import { FieldPath } from './field-errors';
import { toStatus } from './status';
import { validateCreate, validateUpdate } from './validate';

const messages = (errs: ReturnType<typeof validateCreate>) => errs.map(errorMessage);

function pod(spec: Partial<NonNullable<Pod['spec']>> = {}, name = 'web'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      containers: [{ name: 'app', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File' }],
      ...spec,
    },
  };
}

describe('names', () => {
  it('gives the apimachinery messages', () => {
    expect(isDNS1123Label('Foo')).toEqual([
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
    expect(isDNS1123Subdomain('a.b-c')).toEqual([]);
    expect(isDNS1123Subdomain('x'.repeat(254))[0]).toBe('must be no more than 253 characters');
    expect(isQualifiedName('example.com/MyName')).toEqual([]);
    expect(isQualifiedName('/x')).toEqual(['prefix part must be non-empty']);
    expect(validateAnnotations({ a: 'x'.repeat(256 * 1024) }, FieldPath.root('metadata', 'annotations')).map(errorMessage)).toEqual([
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    ]);
  });
});

describe('pod validation', () => {
  it('accepts a defaulted pod', () => {
    expect(validateCreate(pod())).toEqual([]);
  });

  it('requires containers, names and images', () => {
    expect(messages(validateCreate(pod({ containers: [] })))).toEqual(['spec.containers: Required value']);
    expect(messages(validateCreate(pod({ containers: [{ name: 'app', image: '', imagePullPolicy: 'Always', terminationMessagePolicy: 'File' }] })))).toEqual([
      'spec.containers[0].image: Required value',
    ]);
    const dup = { name: 'app', image: 'x', imagePullPolicy: 'Always', terminationMessagePolicy: 'File' };
    expect(messages(validateCreate(pod({ containers: [dup, dup] })))).toEqual(['spec.containers[1].name: Duplicate value: "app"']);
    expect(messages(validateCreate(pod({ containers: [{ ...dup, name: 'App' }] })))[0]).toMatch(
      /^spec\.containers\[0\]\.name: Invalid value: "App": a lowercase RFC 1123 label must consist/,
    );
  });

  it('checks ports, protocols, restart policy and resources', () => {
    const c = { name: 'app', image: 'x', imagePullPolicy: 'Always', terminationMessagePolicy: 'File' };
    const p = pod({
      restartPolicy: 'Sometimes',
      containers: [
        {
          ...c,
          ports: [{ containerPort: 70000, protocol: 'HTTP' }],
          resources: { requests: { cpu: '2' }, limits: { cpu: '1' } },
        },
      ],
    });
    expect(messages(validateCreate(p))).toEqual([
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]);
  });

  it('validates metadata: name required, DNS subdomain, namespace', () => {
    const p = pod();
    p.metadata = {};
    expect(messages(validateCreate(p))).toEqual(['metadata.name: Required value: name or generateName is required', 'metadata.namespace: Required value']);
    expect(messages(validateCreate(pod({}, 'Web_1')))[0]).toMatch(/^metadata\.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain/);
  });

  it('produces the 422 Status the apiserver returns', () => {
    const errs = validateCreate(pod({ containers: [{ name: 'app', image: '', imagePullPolicy: 'Always', terminationMessagePolicy: 'File' }] }, 'x'));
    expect(JSON.parse(JSON.stringify(toStatus({ group: '', kind: 'Pod' }, 'x', errs)))).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Pod "x" is invalid: spec.containers[0].image: Required value',
      reason: 'Invalid',
      details: { name: 'x', kind: 'Pod', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }] },
      code: 422,
    });
    const two = toStatus({ group: 'apps', kind: 'Deployment' }, 'd', [...errs, ...errs.map((e) => ({ ...e, field: 'spec.x' }))]);
    expect(two.message).toBe('Deployment.apps "d" is invalid: [spec.containers[0].image: Required value, spec.x: Required value]');
    expect(two.details.group).toBe('apps');
  });

  it('allows only image, deadline and toleration changes on update', () => {
    const old = pod();
    const newImage = pod({ containers: [{ ...old.spec!.containers[0]!, image: 'nginx:1.28' }] });
    expect(validateUpdate(newImage, old)).toEqual([]);
    expect(validateUpdate(pod({ tolerations: [{ key: 'a', operator: 'Exists' }] }), old)).toEqual([]);
    const changed = validateUpdate(pod({ restartPolicy: 'Never' }), old);
    expect(messages(changed)).toHaveLength(1);
    expect(messages(changed)[0]).toMatch(/^spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/);
    expect(messages(validateUpdate(pod({}, 'other'), old))).toEqual(['metadata.name: Invalid value: "other": field is immutable']);
  });
});

const template = { metadata: { labels: { app: 'web' } }, spec: pod().spec };

describe('workload, service and config validation', () => {
  const deploy = (spec: object) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' }, spec });

  it('requires a selector matching the template and non-negative replicas', () => {
    expect(validateCreate(deploy({ selector: { matchLabels: { app: 'web' } }, template, strategy: { type: 'RollingUpdate' } }))).toEqual([]);
    expect(messages(validateCreate(deploy({ replicas: -1, template, strategy: { type: 'RollingUpdate' } })))).toEqual([
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.selector: Required value',
    ]);
    expect(messages(validateCreate(deploy({ selector: { matchLabels: { app: 'db' } }, template, strategy: { type: 'RollingUpdate' } })))).toEqual([
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ]);
  });

  it('keeps a deployment selector and a job template immutable', () => {
    const a = deploy({ selector: { matchLabels: { app: 'web' } }, template, strategy: { type: 'RollingUpdate' } });
    const b = deploy({ selector: { matchLabels: { app: 'web', x: 'y' } }, template: { ...template, metadata: { labels: { app: 'web', x: 'y' } } }, strategy: { type: 'RollingUpdate' } });
    expect(messages(validateUpdate(b, a))).toEqual(['spec.selector: Invalid value: {"matchLabels":{"app":"web","x":"y"}}: field is immutable']);
    const job = (image: string) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j', namespace: 'default' },
      spec: { template: { spec: { ...pod().spec, restartPolicy: 'Never', containers: [{ ...pod().spec!.containers[0]!, image }] } } },
    });
    expect(validateUpdate(job('a'), job('a'))).toEqual([]);
    expect(messages(validateUpdate(job('b'), job('a')))[0]).toMatch(/^spec\.template: Invalid value: .*: field is immutable$/);
  });

  it('validates services and keeps the cluster IP', () => {
    const svc = (spec: object, name = 'web') => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });
    const ok = { type: 'ClusterIP', clusterIP: '10.96.0.5', ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { app: 'web' } };
    expect(validateCreate(svc(ok))).toEqual([]);
    expect(messages(validateCreate(svc({ type: 'Fancy', ports: [{ port: 0, protocol: 'TCP' }] }, '1web')))).toEqual([
      "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      'spec.type: Unsupported value: "Fancy": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      'spec.ports[0].port: Required value',
    ]);
    expect(messages(validateUpdate(svc({ ...ok, clusterIP: '10.96.0.6' }), svc(ok)))).toEqual([
      'spec.clusterIPs[0]: Invalid value: "10.96.0.6": may not change once set',
    ]);
  });

  it('validates configmap keys, size and immutability', () => {
    const cm = (data: Record<string, string>, immutable?: boolean) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data, immutable });
    expect(messages(validateCreate(cm({ 'bad key': 'x' })))[0]).toMatch(/^data\[bad key\]: Invalid value: "bad key": a valid config key must consist/);
    expect(messages(validateCreate(cm({ big: 'x'.repeat(1024 * 1024 + 1) })))).toEqual(['data: Too long: may not be more than 1048576 bytes']);
    expect(messages(validateUpdate(cm({ a: '2' }, true), cm({ a: '1' }, true)))).toEqual(['data: Forbidden: field is immutable when `immutable` is set']);
    expect(validateUpdate(cm({ a: '2' }), cm({ a: '1' }))).toEqual([]);
  });

  it('validates namespaces, leases, cronjobs and rbac names', () => {
    expect(messages(validateCreate({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } }))[0]).toMatch(/RFC 1123 label/);
    expect(
      messages(validateCreate({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'kube-system' }, spec: { leaseDurationSeconds: 0 } })),
    ).toEqual(['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']);
    const cj = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'default' }, spec: { schedule: '', concurrencyPolicy: 'Allow', jobTemplate: { spec: { template: { spec: { ...pod().spec, restartPolicy: 'OnFailure' } } } } } };
    expect(messages(validateCreate(cj))).toEqual(['spec.schedule: Required value']);
    expect(validateCreate({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:controller:x' } })).toEqual([]);
    expect(messages(validateCreate({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'a/b' } }))).toEqual([
      `metadata.name: Invalid value: "a/b": may not contain '/'`,
    ]);
  });
});
