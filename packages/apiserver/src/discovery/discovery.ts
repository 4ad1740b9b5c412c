// Discovery documents, derived from the one resource table: the legacy ones (/api, /apis,
// /api/v1, /apis/<group>/<version>) and the aggregated apidiscovery.k8s.io/v2 ones kubectl 1.32
// asks for first. Also /version.
import { RESOURCES } from '@kubemu/api';
import type { ResourceInfo } from '@kubemu/api';

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** Subresources and the verbs they serve. */
const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  binding: ['create'],
  eviction: ['create'],
  log: ['get'],
  exec: ['create', 'get'],
  attach: ['create', 'get'],
  portforward: ['create', 'get'],
  proxy: ['create', 'delete', 'get', 'patch', 'update'],
  finalize: ['update'],
  token: ['create'],
};

function subresourceKind(info: ResourceInfo, sub: string): { group: string; version: string; kind: string } {
  switch (sub) {
    case 'scale':
      return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
    case 'binding':
      return { group: '', version: 'v1', kind: 'Binding' };
    case 'eviction':
      return { group: 'policy', version: 'v1', kind: 'Eviction' };
    case 'token':
      return { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' };
    case 'log':
    case 'exec':
    case 'attach':
    case 'portforward':
    case 'proxy':
      return { group: '', version: 'v1', kind: sub === 'log' ? 'Pod' : sub === 'proxy' ? (info.kind) : 'PodExecOptions' };
    default:
      return { group: info.group, version: info.version, kind: info.kind };
  }
}

export function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of RESOURCES) seen.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
  return [...seen.values()];
}

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/** Each named group with its versions, the preferred (first defined) one first. */
function groupsWithVersions(): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const g of groupVersions()) if (g.group !== '') groups.set(g.group, [...(groups.get(g.group) ?? []), g.version]);
  return groups;
}

function groupObject(group: string, versions: string[]): object {
  const vs = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList(): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groupsWithVersions()].map(([g, vs]) => groupObject(g, vs)) };
}

export function apiGroup(group: string): object | undefined {
  const versions = groupsWithVersions().get(group);
  if (versions === undefined) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupObject(group, versions) };
}

export function apiResourceList(group: string, version: string): object | undefined {
  const rs = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (rs.length === 0) return undefined;
  const resources: object[] = [];
  for (const r of rs) {
    resources.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length > 0 ? { categories: r.categories } : {}),
    });
    for (const sub of r.subresources) {
      const k = subresourceKind(r, sub);
      resources.push({
        name: `${r.resource}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(k.group !== group || k.version !== version ? { group: k.group, version: k.version } : {}),
        kind: k.kind,
        verbs: SUBRESOURCE_VERBS[sub] ?? ['get'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources };
}

/** The aggregated discovery document of /api (legacy) or /apis (every named group). */
export function aggregatedDiscovery(legacy: boolean): object {
  const gvs = groupVersions().filter((g) => (g.group === '') === legacy);
  const byGroup = new Map<string, string[]>();
  for (const g of gvs) byGroup.set(g.group, [...(byGroup.get(g.group) ?? []), g.version]);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: [...byGroup].map(([group, versions]) => ({
      metadata: group === '' ? {} : { name: group },
      versions: versions.map((version) => ({
        version,
        resources: RESOURCES.filter((r) => r.group === group && r.version === version).map((r) => ({
          resource: r.resource,
          responseKind: { group: r.group, version: r.version, kind: r.kind },
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: r.singular,
          verbs: r.verbs,
          ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
          ...(r.categories.length > 0 ? { categories: r.categories } : {}),
          ...(r.subresources.length > 0
            ? { subresources: r.subresources.map((sub) => ({ subresource: sub, responseKind: subresourceKind(r, sub), verbs: SUBRESOURCE_VERBS[sub] ?? ['get'] })) }
            : {}),
        })),
        freshness: 'Current',
      })),
    })),
  };
}

export function versionInfo(): object {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.0-kubemu',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
