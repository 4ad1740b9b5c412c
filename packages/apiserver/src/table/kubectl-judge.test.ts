// `kubectl get` judged by the real kubectl: it asks for a Table and prints the columns it receives,
// so its output is the check on the Table's shape and cells. Skipped when no kubectl is on PATH.
import { RESOURCES } from '@kubemu/api';
import type { KubeObject, ResourceInfo } from '@kubemu/api';
import { KubectlFixture, kubectlAvailable } from '../openapi/kubectl-fixture';
import type { Reply } from '../openapi/kubectl-fixture';
import { toTable } from './index';
import type { IncludeObject } from './index';

const describeIfKubectl = kubectlAvailable() ? describe : describe.skip;

/** The objects the fake server lists, by resource. Ages count from the real clock, as kubectl's do. */
function objects(now: Date): Record<string, KubeObject[]> {
  const ago = (s: number): string => new Date(now.getTime() - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } };
  return {
    pods: [
      {
        metadata: { name: 'web-1', namespace: 'default', creationTimestamp: ago(300), uid: 'u1' },
        spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'nginx:1.25' }] },
        status: { phase: 'Running', podIPs: [{ ip: '10.244.1.5' }], containerStatuses: [{ name: 'web', image: 'nginx', imageID: '', ready: true, restartCount: 0, state: { running: {} } }] },
      },
      {
        metadata: { name: 'web-2', namespace: 'default', creationTimestamp: ago(90), uid: 'u2' },
        spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] },
        status: { phase: 'Pending', containerStatuses: [{ name: 'web', image: 'nginx', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] },
      },
    ],
    deployments: [
      {
        metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(3 * 86400), uid: 'u3' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template },
        status: { replicas: 2, readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1 },
      },
    ],
    clusterroles: [{ metadata: { name: 'view', creationTimestamp: '2024-04-24T12:00:00Z', uid: 'u4' }, rules: [] }],
  };
}

function route(req: { method?: string; headers: { accept?: string } }, url: URL): Reply | undefined {
  if (req.method !== 'GET') return undefined;
  const r: ResourceInfo | undefined = RESOURCES.find((x) => url.pathname.endsWith(`/${x.resource}`));
  const list = r === undefined ? undefined : objects(new Date())[r.resource];
  if (r === undefined || list === undefined) return undefined;
  if (!(req.headers.accept ?? '').includes('as=Table')) return { code: 406, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 406, reason: 'NotAcceptable' } };
  const include = (url.searchParams.get('includeObject') ?? 'Metadata') as IncludeObject;
  return { code: 200, body: toTable(r, list, { includeObject: include, now: new Date(), metadata: { resourceVersion: '10' } }) };
}

describeIfKubectl('kubectl get prints the Tables', () => {
  const fixture = new KubectlFixture(route);
  beforeAll(() => fixture.start());
  afterAll(() => fixture.stop());

  const lines = (out: string): string[][] =>
    out
      .trimEnd()
      .split('\n')
      .map((l) => l.trim().split(/\s{2,}/));

  it('kubectl get pods', async () => {
    const r = await fixture.kubectl('get', 'pods', '-n', 'default');
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual([
      ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
      ['web-1', '1/1', 'Running', '0', '5m'],
      ['web-2', '0/1', 'ContainerCreating', '0', '90s'],
    ]);
    expect(fixture.seen.some((s) => s.accept.startsWith('application/json;as=Table;v=v1;g=meta.k8s.io'))).toBe(true);
  });

  it('kubectl get pods -o wide shows the priority-1 columns', async () => {
    const r = await fixture.kubectl('get', 'pods', '-n', 'default', '-o', 'wide');
    expect(lines(r.stdout)[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    expect(lines(r.stdout)[1]).toEqual(['web-1', '1/1', 'Running', '0', '5m', '10.244.1.5', 'node-1', '<none>', '<none>']);
  });

  it('kubectl get deployments -o wide', async () => {
    const r = await fixture.kubectl('get', 'deployments', '-n', 'default', '-o', 'wide');
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual([
      ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR'],
      ['web', '1/2', '2', '1', '3d', 'web', 'nginx:1.25', 'app=web'],
    ]);
  });

  it('kubectl get clusterroles shows CREATED AT', async () => {
    const r = await fixture.kubectl('get', 'clusterroles');
    expect(lines(r.stdout)).toEqual([
      ['NAME', 'CREATED AT'],
      ['view', '2024-04-24T12:00:00Z'],
    ]);
  });
});
