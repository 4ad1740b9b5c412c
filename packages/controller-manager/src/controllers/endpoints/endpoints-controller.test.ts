import type { Endpoints, Pod, Service } from '@kubemu/api';
import { ControllerHarness } from '../../testing/controller-harness';
import { PODS, markRunningNotReady, markRunningReady } from '../../testing/pods';
import { ENDPOINTS, SERVICES, newEndpointsController } from './endpoints-controller';

function pod(name: string, labels: Record<string, string>, ports: { name?: string; containerPort: number }[] = [{ name: 'http', containerPort: 8080 }]): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { containers: [{ name: 'c', image: 'nginx', ports }] } };
}

function service(name: string, selector: Record<string, string> | undefined, ports: NonNullable<Service['spec']>['ports']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', labels: { team: 'a' } }, spec: { ...(selector ? { selector } : {}), ports } };
}

describe('endpoints controller', () => {
  let h: ControllerHarness;
  beforeEach(() => {
    h = new ControllerHarness();
    h.start(newEndpointsController);
  });
  afterEach(async () => {
    await h.stop();
  });

  const ep = (name: string): Endpoints | undefined => h.fake.object<Endpoints>(ENDPOINTS, 'default', name);
  const createPod = async (p: Pod): Promise<Pod> => h.client.resource<Pod>(PODS).namespace('default').create(p);

  test('ready and not-ready addresses follow pod readiness; named target ports resolve per pod', async () => {
    const a = await createPod(pod('a', { app: 'web' }));
    const b = await createPod(pod('b', { app: 'web' }, [{ name: 'http', containerPort: 9090 }]));
    await createPod(pod('other', { app: 'db' }));
    await h.client.resource<Service>(SERVICES).namespace('default').create(service('web', { app: 'web' }, [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }]));
    // No pod has an IP yet: an Endpoints object without subsets, labelled as the Service.
    await h.eventually(() => ep('web') !== undefined, 'endpoints created');
    expect(ep('web')?.subsets).toBeUndefined();
    expect(ep('web')?.metadata?.labels).toEqual({ team: 'a' });
    markRunningReady(h, a, 'node-1', '10.244.1.5');
    markRunningNotReady(h, b, 'node-2', '10.244.2.7');
    await h.eventually(() => (ep('web')?.subsets ?? []).length === 2, 'two subsets');
    expect(ep('web')?.subsets).toEqual([
      {
        addresses: [{ ip: '10.244.1.5', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: a.metadata?.uid } }],
        ports: [{ name: 'web', port: 8080, protocol: 'TCP' }],
      },
      {
        notReadyAddresses: [{ ip: '10.244.2.7', nodeName: 'node-2', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: b.metadata?.uid } }],
        ports: [{ name: 'web', port: 9090, protocol: 'TCP' }],
      },
    ]);
    // b becomes ready, a stops being ready.
    markRunningReady(h, h.fake.object<Pod>(PODS, 'default', 'b') as Pod, 'node-2', '10.244.2.7');
    markRunningNotReady(h, h.fake.object<Pod>(PODS, 'default', 'a') as Pod, 'node-1', '10.244.1.5');
    await h.eventually(() => ep('web')?.subsets?.[0]?.notReadyAddresses?.[0]?.ip === '10.244.1.5' && ep('web')?.subsets?.[1]?.addresses?.[0]?.ip === '10.244.2.7', 'readiness flipped');
    // A deleted pod leaves the endpoints.
    await h.client.resource<Pod>(PODS).namespace('default').delete('a', { gracePeriodSeconds: 0 });
    await h.eventually(() => (ep('web')?.subsets ?? []).length === 1, 'pod removed');
    expect(ep('web')?.subsets?.[0]?.addresses?.[0]?.targetRef?.name).toBe('b');
  });

  test('addresses with the same ports share one subset', async () => {
    for (const [n, ip] of [['a', '10.244.1.9'], ['b', '10.244.1.10']] as const) {
      const p = await createPod(pod(n, { app: 'web' }, [{ containerPort: 80 }]));
      markRunningReady(h, p, 'node-1', ip);
    }
    await h.client.resource<Service>(SERVICES).namespace('default').create(service('web', { app: 'web' }, [{ port: 80, targetPort: 80, protocol: 'TCP' }]));
    await h.eventually(() => (ep('web')?.subsets ?? []).length === 1, 'one subset');
    expect(ep('web')?.subsets?.[0]?.addresses?.map((x) => x.ip)).toEqual(['10.244.1.10', '10.244.1.9']);
    expect(ep('web')?.subsets?.[0]?.ports).toEqual([{ port: 80, protocol: 'TCP' }]);
  });

  test('a Service without a selector keeps its hand-made Endpoints; a selector Service gets its Endpoints back', async () => {
    await h.client.resource<Service>(SERVICES).namespace('default').create(service('external', undefined, [{ port: 5432, protocol: 'TCP' }]));
    const manual: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'external', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432, protocol: 'TCP' }] }] };
    await h.client.resource<Endpoints>(ENDPOINTS).namespace('default').create(manual);
    await h.client.resource<Service>(SERVICES).namespace('default').create(service('web', { app: 'web' }, [{ port: 80, protocol: 'TCP' }]));
    await h.eventually(() => ep('web') !== undefined, 'web endpoints');
    await h.advance(1000);
    expect(ep('external')?.subsets).toEqual(manual.subsets);
    await h.client.resource<Endpoints>(ENDPOINTS).namespace('default').delete('web');
    await h.eventually(() => ep('web') !== undefined, 'recreated');
    // Deleting the Service deletes its Endpoints.
    await h.client.resource<Service>(SERVICES).namespace('default').delete('web');
    await h.eventually(() => ep('web') === undefined, 'deleted with its service');
    expect(ep('external')).toBeDefined();
  });

  test('headless Service without ports lists addresses and carries the headless label; publishNotReadyAddresses', async () => {
    const p = await createPod(pod('a', { app: 'db' }));
    markRunningNotReady(h, p, 'node-1', '10.244.3.3');
    const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default' }, spec: { clusterIP: 'None', selector: { app: 'db' }, publishNotReadyAddresses: true } };
    await h.client.resource<Service>(SERVICES).namespace('default').create(svc);
    await h.eventually(() => (ep('db')?.subsets ?? []).length === 1, 'headless endpoints');
    expect(ep('db')?.metadata?.labels).toEqual({ 'service.kubernetes.io/headless': '' });
    expect(ep('db')?.subsets?.[0]).toEqual({ addresses: [{ ip: '10.244.3.3', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: p.metadata?.uid } }] });
  });
});
