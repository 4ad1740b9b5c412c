// What kube-apiserver creates for itself at start, idempotently, from every replica: the system
// namespaces, the `kubernetes` Service at the first service IP with its Endpoints (the apiserver
// replicas' addresses), and the default RBAC policy.
import { findResource } from '@kubemu/api';
import type { KubeObject, ResourceInfo } from '@kubemu/api';
import type { Logger } from '@kubemu/base';
import { SERVICE_IP_PREFIX } from './admission/service-addresses';
import { isStatus } from './http/status';
import type { Registry } from './registry/registry';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function info(group: string, version: string, resource: string): ResourceInfo {
  const r = findResource(group, version, resource);
  if (r === undefined) throw new Error(`no resource ${group}/${version}/${resource}`);
  return r;
}

async function ensure(registry: Registry, obj: KubeObject, r: ResourceInfo): Promise<void> {
  const name = obj.metadata!.name!;
  const namespace = obj.metadata?.namespace ?? '';
  const got = await registry.get({ info: r, namespace, name });
  if (!isStatus(got)) return;
  const created = await registry.create({ info: r, namespace, name }, obj, { dryRun: false });
  if (!isStatus(created) || created.reason === 'AlreadyExists') return;
  // Another replica bootstrapping at the same moment may have won (its Service holds the IP).
  if (!isStatus(await registry.get({ info: r, namespace, name }))) return;
  throw new Error(`bootstrap ${r.resource}/${name}: ${created.message ?? ''}`);
}

export interface BootstrapOptions {
  serviceIp: string;
  /** This replica's address and port as pods reach it. */
  advertiseIp: string;
  securePort: number;
  policy: KubeObject[];
}

export async function bootstrap(registry: Registry, opts: BootstrapOptions, log: Logger): Promise<void> {
  const namespaces = info('', 'v1', 'namespaces');
  for (const name of SYSTEM_NAMESPACES) await ensure(registry, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, namespaces);
  // The `kubernetes` Service owns the first address of the range; its reservation key is written
  // with it like any other Service's.
  await ensure(
    registry,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: opts.serviceIp, clusterIPs: [opts.serviceIp], ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: opts.securePort }], sessionAffinity: 'None' },
    },
    info('', 'v1', 'services'),
  );
  await addEndpoint(registry, opts);
  for (const obj of opts.policy) {
    const [group, version] = obj.apiVersion!.includes('/') ? obj.apiVersion!.split('/') as [string, string] : ['', obj.apiVersion!];
    const r = [...['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings']].map((res) => findResource(group, version, res)).find((x) => x?.kind === obj.kind);
    if (r !== undefined) await ensure(registry, obj, r);
  }
  log.info('bootstrap done', { serviceIp: opts.serviceIp, reservation: SERVICE_IP_PREFIX + opts.serviceIp });
}

/** Adds this replica to the `kubernetes` Endpoints (the endpoint reconciler's job in kube-apiserver). */
async function addEndpoint(registry: Registry, opts: BootstrapOptions): Promise<void> {
  const endpoints = info('', 'v1', 'endpoints');
  const scope = { info: endpoints, namespace: 'default', name: 'kubernetes' };
  const r = await registry.patch(scope, (current) => {
    const subsets = (current.subsets as { addresses?: { ip: string }[] }[] | undefined) ?? [];
    const ips = new Set((subsets[0]?.addresses ?? []).map((a) => a.ip));
    ips.add(opts.advertiseIp);
    return {
      ...current,
      subsets: [{ addresses: [...ips].sort().map((ip) => ({ ip })), ports: [{ name: 'https', port: opts.securePort, protocol: 'TCP' }] }],
    };
  }, { dryRun: false });
  if (isStatus(r) && r.code === 404) {
    await ensure(registry, {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: opts.advertiseIp }], ports: [{ name: 'https', port: opts.securePort, protocol: 'TCP' }] }],
    }, endpoints);
  }
}
