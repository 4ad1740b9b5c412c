import type { Pod } from './types';
import { RESOURCES, lookupResource, resourceForKind, storeKey, qualifiedKind, resourcesInCategory, findResource, mustFindResource } from './resources';

function byResource(name: string) {
  const r = lookupResource(name);
  if (!r) throw new Error(`no resource ${name}`);
  return r;
}

describe('resource registry', () => {
  it('resolves plural, singular and short names as kubectl does', () => {
    expect(byResource('po').resource).toBe('pods');
    expect(byResource('deploy').group).toBe('apps');
    expect(byResource('sts').kind).toBe('StatefulSet');
    expect(byResource('netpol').group).toBe('networking.k8s.io');
    expect(byResource('hpa').version).toBe('v2');
    expect(byResource('deployments.apps').kind).toBe('Deployment');
    expect(byResource('Service').resource).toBe('services');
    expect(lookupResource('nope')).toBeUndefined();
  });

  it('keeps Kubernetes store prefixes, including the historical exceptions', () => {
    expect(storeKey(byResource('pods'), 'default', 'web')).toBe('/registry/pods/default/web');
    expect(storeKey(byResource('svc'), 'default', 'web')).toBe('/registry/services/specs/default/web');
    expect(storeKey(byResource('ep'), 'default', 'web')).toBe('/registry/services/endpoints/default/web');
    expect(storeKey(byResource('no'), undefined, 'node-1')).toBe('/registry/minions/node-1');
    expect(storeKey(byResource('rc'), 'ns1', 'x')).toBe('/registry/controllers/ns1/x');
    expect(storeKey(byResource('ing'), 'ns1', 'x')).toBe('/registry/ingress/ns1/x');
    expect(storeKey(byResource('clusterroles'), 'ignored', 'admin')).toBe('/registry/clusterroles/admin');
    expect(storeKey(byResource('pods'), 'default')).toBe('/registry/pods/default/');
    expect(storeKey(byResource('pods'))).toBe('/registry/pods/');
  });

  it('knows scope, subresources and categories', () => {
    expect(byResource('ns').namespaced).toBe(false);
    expect(byResource('pv').namespaced).toBe(false);
    expect(byResource('pvc').namespaced).toBe(true);
    expect(byResource('deploy').subresources).toEqual(['status', 'scale']);
    expect(byResource('po').subresources).toEqual(expect.arrayContaining(['binding', 'eviction', 'log', 'exec']));
    expect(byResource('svc').verbs).not.toContain('deletecollection');
    expect(resourcesInCategory('all').map((r) => r.resource)).toEqual(
      expect.arrayContaining(['pods', 'services', 'deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs']),
    );
    expect(resourcesInCategory('all').map((r) => r.resource)).not.toContain('secrets');
  });

  it('maps apiVersion/kind to resources and qualifies kinds by group', () => {
    expect(resourceForKind('apps/v1', 'Deployment')?.resource).toBe('deployments');
    expect(resourceForKind('v1', 'Deployment')).toBeUndefined();
    expect(qualifiedKind(byResource('deploy'))).toBe('Deployment.apps');
    expect(qualifiedKind(byResource('po'))).toBe('Pod');
    expect(findResource('rbac.authorization.k8s.io', 'v1', 'rolebindings')?.kind).toBe('RoleBinding');
  });

  it('mustFindResource finds by group and plural, a version when asked, and throws on a missing one', () => {
    expect(mustFindResource('apps', 'deployments').kind).toBe('Deployment');
    expect(mustFindResource('autoscaling', 'horizontalpodautoscalers', 'v2').version).toBe('v2');
    expect(mustFindResource('autoscaling', 'horizontalpodautoscalers', 'v1').version).toBe('v1');
    expect(() => mustFindResource('', 'deployments')).toThrow('no resource deployments');
    expect(() => mustFindResource('apps', 'deployments', 'v9')).toThrow('no resource apps/v9/deployments');
  });

  it('has no duplicate short names or resources within a group version', () => {
    // A resource served in two versions (autoscaling v1 and v2) shares its names across them.
    const names = RESOURCES.flatMap((r) => [...r.shortNames.map((n) => `${r.version}:${n}`), `${r.group}/${r.version}/${r.resource}`]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('serves a resource in several versions only from one store prefix', () => {
    const byPrefix = new Map<string, string>();
    for (const r of RESOURCES) {
      const kind = byPrefix.get(r.storePrefix);
      if (kind !== undefined) expect(kind).toBe(r.kind);
      byPrefix.set(r.storePrefix, r.kind);
    }
  });
});

describe('object types', () => {
  it('type timestamps as the RFC 3339 strings of the wire, not Date', () => {
    // A compile-time check as much as a run-time one: tsc rejects this file if Wire<> keeps Date.
    const pod: Pod = { metadata: { name: 'p', creationTimestamp: '2024-01-01T00:00:00Z' }, spec: { containers: [] } };
    const ts: string | undefined = pod.metadata?.creationTimestamp;
    expect(ts).toBe('2024-01-01T00:00:00Z');
  });
});
