// Strategic merge patches as kubectl sends them (patch, set image, edit, apply, rollout restart,
// cordon, taint), applied to built-in kinds through the public API.
import type { KubeObject } from '@kubemu/api';
import type { PatchTarget } from './index';
import { applyPatch } from './index';
import { at, failed, nodeObject, patched, serviceObject, webDeployment } from './test-objects';

const DEPLOYMENT: PatchTarget = { group: 'apps', kind: 'Deployment' };
const smp = (obj: KubeObject, patch: unknown, target: PatchTarget = DEPLOYMENT) => applyPatch('strategic', obj, patch, target);
const podSpec = (patch: unknown) => ({ spec: { template: { spec: patch } } });
const containers = (o: KubeObject) => at(o, 'spec', 'template', 'spec', 'containers') as Record<string, unknown>[];

describe('kubectl patch (strategic merge, the default type)', () => {
  it('updates one container of two by name and leaves the other alone', () => {
    // kubectl patch deploy web -p '{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"b"}]}}}}'
    const r = patched(smp(webDeployment(), podSpec({ containers: [{ name: 'a', image: 'b' }] })));
    const [a, c] = containers(r);
    expect(containers(r).map((x) => x.name)).toEqual(['a', 'c']);
    expect(a).toEqual({ ...containers(webDeployment())[0], image: 'b' });
    expect(c).toEqual(containers(webDeployment())[1]);
  });

  it('adds a container ahead of the existing ones, as Kubernetes orders a new item', () => {
    const r = patched(smp(webDeployment(), podSpec({ containers: [{ name: 'sidecar', image: 'envoy:1.30' }] })));
    expect(containers(r).map((x) => x.name)).toEqual(['sidecar', 'a', 'c']);
  });

  it('merges env by name, ports by containerPort and volumeMounts by mountPath', () => {
    const r = patched(
      smp(
        webDeployment(),
        podSpec({
          containers: [
            {
              name: 'a',
              env: [{ name: 'LEVEL', value: 'debug' }],
              ports: [{ containerPort: 443, protocol: 'TCP' }],
              volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
            },
          ],
        }),
      ),
    );
    const [a] = containers(r);
    // An item the live list has keeps its place; a new one (port 443) goes first.
    expect(a?.env).toEqual([
      { name: 'MODE', value: 'prod' },
      { name: 'LEVEL', value: 'debug' },
    ]);
    expect(a?.ports).toEqual([
      { containerPort: 443, protocol: 'TCP' },
      { containerPort: 80, protocol: 'TCP' },
    ]);
    expect(a?.volumeMounts).toEqual([{ name: 'data', mountPath: '/data', readOnly: true }]);
  });

  it('replaces lists without a merge key: tolerations, args', () => {
    const r = patched(
      smp(webDeployment(), podSpec({ tolerations: [{ operator: 'Exists' }], containers: [{ name: 'c', args: ['sleep', '10'] }] })),
    );
    expect(at(r, 'spec', 'template', 'spec', 'tolerations')).toEqual([{ operator: 'Exists' }]);
    expect(containers(r)[1]?.args).toEqual(['sleep', '10']);
  });

  it('removes labels set to null and unions finalizers', () => {
    const withFinalizers = { ...webDeployment(), metadata: { ...webDeployment().metadata, finalizers: ['a.example.com/x', 'b.example.com/y'] } };
    const r = patched(smp(withFinalizers, { metadata: { labels: { tier: null }, finalizers: ['c.example.com/z', 'a.example.com/x'] } }));
    expect(at(r, 'metadata', 'labels')).toEqual({ app: 'web' });
    expect(at(r, 'metadata', 'finalizers')).toEqual(['c.example.com/z', 'a.example.com/x', 'b.example.com/y']);
  });

  it('merges ownerReferences by uid', () => {
    const owned = { ...webDeployment(), metadata: { ...webDeployment().metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'u1' }] } };
    const r = patched(smp(owned, { metadata: { ownerReferences: [{ uid: 'u1', blockOwnerDeletion: true }] } }));
    expect(at(r, 'metadata', 'ownerReferences')).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'u1', blockOwnerDeletion: true }]);
  });

  it('answers an item without its merge key with a 500 carrying the merge error', () => {
    expect(failed(smp(webDeployment(), podSpec({ containers: [{ image: 'b' }] })))).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'map: map[image:b] does not contain declared merge key: name',
      code: 500,
    });
  });

  it('answers a body that is not an object with 400', () => {
    expect(failed(smp(webDeployment(), [{ op: 'add' }]))).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
    });
  });
});

describe('kubectl set image / rollout restart / edit', () => {
  it('set image: a two-way patch with $setElementOrder, which is not stored', () => {
    const patch = podSpec({ '$setElementOrder/containers': [{ name: 'a' }, { name: 'c' }], containers: [{ image: 'busybox:1.37', name: 'c' }] });
    const r = patched(smp(webDeployment(), patch));
    expect(containers(r).map((x) => [x.name, x.image])).toEqual([
      ['a', 'nginx:1.25'],
      ['c', 'busybox:1.37'],
    ]);
    expect(JSON.stringify(r)).not.toContain('$setElementOrder');
  });

  it('rollout restart: an annotation on the pod template', () => {
    const r = patched(smp(webDeployment(), { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } } } } }));
    expect(at(r, 'spec', 'template', 'metadata')).toEqual({
      creationTimestamp: null,
      labels: { app: 'web' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' },
    });
  });

  it('edit removing a container: $patch delete plus the remaining order', () => {
    const patch = podSpec({ '$setElementOrder/containers': [{ name: 'a' }], containers: [{ $patch: 'delete', name: 'c' }] });
    expect(containers(patched(smp(webDeployment(), patch))).map((x) => x.name)).toEqual(['a']);
  });

  it('edit reordering containers with $setElementOrder alone', () => {
    const patch = podSpec({ '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }] });
    expect(containers(patched(smp(webDeployment(), patch))).map((x) => x.name)).toEqual(['c', 'a']);
  });

  it('edit removing a finalizer: $deleteFromPrimitiveList', () => {
    const obj = { ...webDeployment(), metadata: { ...webDeployment().metadata, finalizers: ['x', 'y', 'z'] } };
    const r = patched(smp(obj, { metadata: { '$setElementOrder/finalizers': ['x', 'z'], '$deleteFromPrimitiveList/finalizers': ['y'] } }));
    expect(at(r, 'metadata', 'finalizers')).toEqual(['x', 'z']);
  });
});

describe('kubectl apply (client-side three-way patches)', () => {
  it('switches the deployment strategy with $retainKeys, dropping rollingUpdate', () => {
    const r = patched(smp(webDeployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }));
    expect(at(r, 'spec', 'strategy')).toEqual({ type: 'Recreate' });
    // Without the directive the old rollingUpdate would survive the merge.
    expect(at(patched(smp(webDeployment(), { spec: { strategy: { type: 'Recreate' } } })), 'spec', 'strategy', 'rollingUpdate')).toBeDefined();
  });

  it('switches a volume source with $retainKeys inside the merged volumes list', () => {
    const patch = podSpec({
      '$setElementOrder/volumes': [{ name: 'data' }],
      volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'web-config' }, name: 'data' }],
    });
    expect(at(patched(smp(webDeployment(), patch)), 'spec', 'template', 'spec', 'volumes')).toEqual([{ name: 'data', configMap: { name: 'web-config' } }]);
  });

  it('adds a container, deletes another and keeps one the server added, in the order Kubernetes gives', () => {
    // Live: a, c, and "istio-proxy" injected by a webhook. The manifest now lists c then d.
    const live = webDeployment();
    containers(live).push({ name: 'istio-proxy', image: 'proxyv2' });
    const patch = podSpec({
      '$setElementOrder/containers': [{ name: 'c' }, { name: 'd' }],
      containers: [{ image: 'redis:7', name: 'd' }, { $patch: 'delete', name: 'a' }],
    });
    expect(containers(patched(smp(live, patch))).map((x) => x.name)).toEqual(['c', 'istio-proxy', 'd']);
  });

  it('adds an initContainers list that did not exist, directives and all, storing none of them', () => {
    const patch = podSpec({
      '$setElementOrder/initContainers': [{ name: 'init' }],
      initContainers: [{ name: 'init', image: 'busybox', '$setElementOrder/env': [{ name: 'X' }], env: [{ name: 'X', value: '1' }] }],
    });
    const r = patched(smp(webDeployment(), patch));
    expect(at(r, 'spec', 'template', 'spec', 'initContainers')).toEqual([{ name: 'init', image: 'busybox', env: [{ name: 'X', value: '1' }] }]);
  });

  it('rejects a $retainKeys that omits a key the patch sets (400)', () => {
    const s = failed(smp(webDeployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } }));
    expect(s).toMatchObject({ code: 400, reason: 'BadRequest', message: 'invalid patch format of retainKeys' });
  });
});

describe('other kinds', () => {
  it('Service: ports merge by port', () => {
    const r = patched(smp(serviceObject(), { spec: { ports: [{ name: 'https', port: 443, targetPort: 8443 }] } }, { group: '', kind: 'Service' }));
    expect(at(r, 'spec', 'ports')).toEqual([
      { name: 'https', port: 443, targetPort: 8443 },
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
    ]);
  });

  it('Node: cordon, taint (taints are replaced), conditions and addresses by type, podCIDRs as a set', () => {
    const NODE = { group: '', kind: 'Node' };
    const r = patched(
      smp(
        nodeObject(),
        {
          spec: { unschedulable: true, taints: [{ key: 'maintenance', effect: 'NoExecute' }], podCIDRs: ['fd00:10:244:1::/64'] },
          status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }], addresses: [{ type: 'InternalIP', address: '172.18.0.9' }] },
        },
        NODE,
      ),
    );
    expect(at(r, 'spec', 'unschedulable')).toBe(true);
    expect(at(r, 'spec', 'taints')).toEqual([{ key: 'maintenance', effect: 'NoExecute' }]);
    expect(at(r, 'spec', 'podCIDRs')).toEqual(['fd00:10:244:1::/64', '10.244.1.0/24']);
    expect(at(r, 'status', 'conditions')).toEqual([
      { type: 'MemoryPressure', status: 'False' },
      { type: 'Ready', status: 'False', reason: 'KubeletNotReady' },
    ]);
    expect(at(r, 'status', 'addresses')).toEqual([
      { type: 'InternalIP', address: '172.18.0.9' },
      { type: 'Hostname', address: 'node-1' },
    ]);
  });

  it('Deployment status: conditions merge by type (a controller updating status)', () => {
    const r = patched(smp(webDeployment(), { status: { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] } }));
    expect(at(r, 'status', 'conditions')).toEqual([
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
      { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
    ]);
  });

  it('CronJob: containers under jobTemplate.spec.template merge by name', () => {
    const cron = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'backup' },
      spec: {
        schedule: '0 * * * *',
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } } } },
      },
    };
    const patch = { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'b', image: 'z' }] } } } } } };
    const r = patched(smp(cron, patch, { group: 'batch', kind: 'CronJob' }));
    expect(at(r, 'spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers')).toEqual([
      { name: 'a', image: 'x' },
      { name: 'b', image: 'z' },
    ]);
  });

  it('ConfigMap (no tagged fields): data merges key by key, null deletes', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1', b: '2' } };
    const r = patched(smp(cm, { data: { a: null, c: '3' } }, { group: '', kind: 'ConfigMap' }));
    expect(at(r, 'data')).toEqual({ b: '2', c: '3' });
  });
});
