import type { ConfigMap, Namespace, ServiceAccount } from '@kubemu/api';
import { ControllerHarness } from '../../testing/controller-harness';
import { DESCRIPTION, ROOT_CA_CONFIGMAP, newRootCaCertPublisher } from './root-ca-cert-publisher';
import { NAMESPACES, SERVICE_ACCOUNTS, newServiceAccountsController } from './serviceaccounts-controller';

const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps', namespaced: true } as const;
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('serviceaccount and root-ca-cert-publisher controllers', () => {
  let h: ControllerHarness;
  beforeEach(() => {
    h = new ControllerHarness({ options: { rootCaPem: CA }, namespaceLifecycle: true });
    h.start(newServiceAccountsController, newRootCaCertPublisher);
  });
  afterEach(async () => {
    await h.stop();
  });

  const sa = (ns: string): ServiceAccount | undefined => h.fake.object<ServiceAccount>(SERVICE_ACCOUNTS, ns, 'default');
  const cm = (ns: string): ConfigMap | undefined => h.fake.object<ConfigMap>(CONFIGMAPS, ns, ROOT_CA_CONFIGMAP);

  test('every namespace gets a default ServiceAccount and kube-root-ca.crt, recreated when deleted', async () => {
    await h.client.resource<Namespace>(NAMESPACES).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    await h.eventually(() => sa('team-a') !== undefined && cm('team-a') !== undefined, 'created');
    expect(cm('team-a')?.data).toEqual({ 'ca.crt': CA });
    expect(cm('team-a')?.metadata?.annotations).toEqual({ 'kubernetes.io/description': DESCRIPTION });
    await h.client.resource<ServiceAccount>(SERVICE_ACCOUNTS).namespace('team-a').delete('default');
    await h.client.resource<ConfigMap>(CONFIGMAPS).namespace('team-a').delete(ROOT_CA_CONFIGMAP);
    await h.eventually(() => sa('team-a') !== undefined && cm('team-a') !== undefined, 'recreated');
    // Tampering is undone.
    await h.client.resource<ConfigMap>(CONFIGMAPS).namespace('team-a').patch(ROOT_CA_CONFIGMAP, 'merge', { data: { 'ca.crt': 'bogus' } });
    await h.eventually(() => cm('team-a')?.data?.['ca.crt'] === CA, 'restored');
  });

  test('a terminating namespace gets nothing new', async () => {
    await h.client.resource<Namespace>(NAMESPACES).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gone', finalizers: ['example.com/hold'] }, spec: { finalizers: ['kubernetes'] } });
    await h.eventually(() => sa('gone') !== undefined, 'created');
    await h.client.resource<Namespace>(NAMESPACES).delete('gone');
    await h.client.resource<ServiceAccount>(SERVICE_ACCOUNTS).namespace('gone').delete('default');
    await h.advance(2000);
    expect(sa('gone')).toBeUndefined();
    expect(h.fake.actions({ verb: 'create', resource: 'serviceaccounts', namespace: 'gone' })).toHaveLength(1);
  });
});
