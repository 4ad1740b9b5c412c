import { ManualClock, SeededRng } from '@kubemu/base';
import { findResource } from '@kubemu/api';
import type { ConfigMap, Pod, ResourceInfo } from '@kubemu/api';
import { SharedInformerFactory } from './informer-factory';
import { waitForCacheSync } from './shared-informer';
import { FakeApiServer } from './testing/fake-api';
import { settle, until } from './testing/settle';

const CONFIGMAPS = findResource('', 'v1', 'configmaps') as ResourceInfo;
const PODS = findResource('', 'v1', 'pods') as ResourceInfo;
const cm = (ns: string, name: string, labels: Record<string, string> = {}): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace: ns, name, labels },
});

function setup(defaultResyncMs?: number): { clock: ManualClock; fake: FakeApiServer; factory: SharedInformerFactory } {
  const clock = new ManualClock();
  const fake = new FakeApiServer({ clock });
  const factory = new SharedInformerFactory(fake.client(), { clock, rng: new SeededRng(3), ...(defaultResyncMs ? { defaultResyncMs } : {}) });
  return { clock, fake, factory };
}

describe('SharedInformer', () => {
  it('tells handlers of adds, updates and deletes after updating the cache', async () => {
    const { fake, factory } = setup();
    fake.seed(cm('ns', 'a'));
    const inf = factory.forResource<ConfigMap>(CONFIGMAPS);
    const lister = inf.lister();
    const log: string[] = [];
    inf.addEventHandler({
      onAdd: (o, initial) => log.push(`add ${o.metadata?.name ?? ''} initial=${initial} cached=${lister.get('ns', o.metadata?.name ?? '') !== undefined}`),
      onUpdate: (o, n) => log.push(`update ${o.metadata?.resourceVersion ?? ''}->${n.metadata?.resourceVersion ?? ''}`),
      onDelete: () => log.push(`delete cached=${lister.namespace('ns').list().length}`),
    });
    factory.start();
    expect(await factory.waitForCacheSync()).toBe(true);
    await until(() => fake.watchCount() === 1, 'watch');
    const cms = fake.client().resource<ConfigMap>(CONFIGMAPS).namespace('ns');
    await cms.create(cm('ns', 'b'));
    await cms.patch('b', 'merge', { data: { k: 'v' } });
    await cms.delete('b');
    await until(() => log.length === 4, 'events');
    expect(log).toEqual(['add a initial=true cached=true', 'add b initial=false cached=true', 'update 2->3', 'delete cached=1']);
    await factory.shutdown();
  });

  it('a late handler first receives the cached objects as adds; a removed one receives nothing', async () => {
    const { fake, factory } = setup();
    fake.seed(cm('ns', 'a'), cm('ns', 'b'));
    const inf = factory.forResource<ConfigMap>(CONFIGMAPS);
    factory.start();
    await inf.whenSynced();
    const late: string[] = [];
    const reg = inf.addEventHandler({ onAdd: (o) => late.push(o.metadata?.name ?? '') });
    expect(late).toEqual(['a', 'b']);
    expect(reg.hasSynced()).toBe(true);
    reg.remove();
    await until(() => fake.watchCount() === 1, 'watch');
    await fake.client().resource<ConfigMap>(CONFIGMAPS).namespace('ns').create(cm('ns', 'c'));
    await settle();
    expect(late).toEqual(['a', 'b']);
    await factory.shutdown();
  });

  it('the factory shares one informer (one list and watch) per resource', async () => {
    const { fake, factory } = setup();
    const a = factory.forResource<ConfigMap>(CONFIGMAPS);
    const b = factory.forResource<ConfigMap>({ group: '', version: 'v1', resource: 'configmaps', namespaced: true });
    expect(a).toBe(b);
    factory.forResource<Pod>(PODS);
    factory.start();
    await factory.waitForCacheSync();
    await until(() => fake.watchCount() === 2, 'watches');
    expect(fake.actions({ verb: 'list' }).map((r) => r.resource).sort()).toEqual(['configmaps', 'pods']);
    await factory.shutdown();
  });

  it('resync calls onUpdate with the same object every period', async () => {
    const { clock, fake, factory } = setup(10_000);
    fake.seed(cm('ns', 'a'));
    const inf = factory.forResource<ConfigMap>(CONFIGMAPS);
    let resyncs = 0;
    inf.addEventHandler({ onUpdate: (o, n) => void (o === n && resyncs++) });
    factory.start();
    await inf.whenSynced();
    clock.advance(9_999);
    expect(resyncs).toBe(0);
    clock.advance(1);
    expect(resyncs).toBe(1);
    clock.advance(20_000);
    expect(resyncs).toBe(3);
    await factory.shutdown();
  });

  it('waitForCacheSync resolves false when stopped before the caches sync', async () => {
    const { fake, factory } = setup();
    fake.setAvailable(false);
    const inf = factory.forResource<ConfigMap>(CONFIGMAPS);
    factory.start();
    const stop = new AbortController();
    const synced = waitForCacheSync(stop.signal, inf);
    await settle();
    stop.abort();
    expect(await synced).toBe(false);
    await factory.shutdown();
  });

  it('indexers: the namespace index and custom ones serve listers', async () => {
    const { fake, factory } = setup();
    fake.seed(cm('a', 'x', { app: 'web' }), cm('a', 'y', { app: 'db' }), cm('b', 'z', { app: 'web' }));
    const inf = factory.forResource<ConfigMap>(CONFIGMAPS);
    inf.addIndexers({ byApp: (o) => [o.metadata?.labels?.app ?? ''] });
    factory.start();
    await inf.whenSynced();
    const lister = inf.lister();
    const names = (l: ConfigMap[]): string[] => l.map((o) => o.metadata?.name ?? '').sort();
    expect(names(lister.namespace('a').list())).toEqual(['x', 'y']);
    expect(names(lister.list('app=web'))).toEqual(['x', 'z']);
    expect(names(lister.namespace('a').list('app!=web'))).toEqual(['y']);
    expect(names(lister.byIndex('byApp', 'web'))).toEqual(['x', 'z']);
    expect(lister.get('b', 'z')?.metadata?.name).toBe('z');
    expect(lister.get('b', 'x')).toBeUndefined();
    // Cached objects carry the kind and apiVersion the list items lack on the wire.
    expect(lister.get('a', 'x')?.kind).toBe('ConfigMap');
    await factory.shutdown();
  });
});
