import { ManualClock, SeededRng } from '@kubemu/base';
import { findResource } from '@kubemu/api';
import type { ConfigMap, ResourceInfo } from '@kubemu/api';
import { SharedInformer } from './shared-informer';
import { DeletedFinalStateUnknown } from './store';
import { FakeApiServer } from './testing/fake-api';
import { settle, until } from './testing/settle';

const CONFIGMAPS = findResource('', 'v1', 'configmaps') as ResourceInfo;
const cm = (ns: string, name: string, v = '1'): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: ns, name }, data: { v } });

interface Rig {
  clock: ManualClock;
  fake: FakeApiServer;
  informer: SharedInformer<ConfigMap>;
  log: string[];
}

function rig(opts: { pageSize?: number; namespace?: string } = {}): Rig {
  const clock = new ManualClock();
  const fake = new FakeApiServer({ clock });
  const base = fake.client().resource<ConfigMap>(CONFIGMAPS);
  const lw = opts.namespace ? base.namespace(opts.namespace) : base;
  const informer = new SharedInformer<ConfigMap>(lw, { clock, rng: new SeededRng(7), ...(opts.pageSize ? { pageSize: opts.pageSize } : {}) });
  const log: string[] = [];
  const name = (o: ConfigMap | DeletedFinalStateUnknown<ConfigMap>): string =>
    o instanceof DeletedFinalStateUnknown ? `tombstone:${o.key}` : `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  informer.addEventHandler({
    onAdd: (o) => log.push(`add ${name(o)}`),
    onUpdate: (_, n) => log.push(`update ${name(n)}`),
    onDelete: (o) => log.push(`delete ${name(o)}`),
  });
  return { clock, fake, informer, log };
}

describe('Reflector (through SharedInformer)', () => {
  it('lists page by page, then watches from the list version', async () => {
    const { fake, informer, log } = rig({ pageSize: 2 });
    fake.seed(...['a', 'b', 'c', 'd', 'e'].map((n) => cm('ns', n)));
    informer.start();
    await informer.whenSynced();
    expect(log).toEqual(['add ns/a', 'add ns/b', 'add ns/c', 'add ns/d', 'add ns/e']);
    expect(fake.actions({ verb: 'list' }).map((r) => r.query.get('limit'))).toEqual(['2', '2', '2']);
    await until(() => fake.watchCount() === 1, 'watch');
    const watch = fake.actions({ verb: 'watch' })[0];
    expect(watch?.query.get('resourceVersion')).toBe('5');
    expect(watch?.query.get('allowWatchBookmarks')).toBe('true');
    const timeout = Number(watch?.query.get('timeoutSeconds'));
    expect(timeout).toBeGreaterThanOrEqual(300);
    expect(timeout).toBeLessThan(600);
    await fake.client().resource<ConfigMap>(CONFIGMAPS).namespace('ns').delete('c');
    await until(() => log.length === 6, 'delete event');
    expect(log[5]).toBe('delete ns/c');
    expect(informer.lastSyncResourceVersion()).toBe('6');
    await informer.stop();
  });

  it('relists on 410 Gone and reports objects deleted meanwhile as tombstones', async () => {
    const { clock, fake, informer, log } = rig();
    fake.seed(cm('ns', 'a'), cm('ns', 'b'), cm('ns', 'c'));
    informer.start();
    await informer.whenSynced();
    await until(() => fake.watchCount() === 1, 'watch');

    // The apiserver goes away; meanwhile b is deleted, d created, and history compacted.
    fake.setAvailable(false);
    fake.registry.delete(CONFIGMAPS, 'ns', 'b', {});
    fake.seed(cm('ns', 'd'));
    fake.compact();
    fake.setAvailable(true);
    await settle();
    // The broken watch is retried after backoff, from the old version: 410, then an immediate relist.
    await clock.advanceAsync(30_000);
    await until(() => informer.getIndexer().size === 3 && fake.watchCount() === 1, 'relist');
    expect(log.slice(3)).toEqual(['delete tombstone:ns/b', 'update ns/a', 'update ns/c', 'add ns/d']);
    expect(fake.actions({ verb: 'list' })).toHaveLength(2);
    // Watched from 3 (refused while down, then 410 Expired), relisted at 5, watching from 5.
    const watchedFrom = fake.actions({ verb: 'watch' }).map((r) => r.query.get('resourceVersion'));
    expect(new Set(watchedFrom.slice(0, -1))).toEqual(new Set(['3']));
    expect(watchedFrom[watchedFrom.length - 1]).toBe('5');
    expect(informer.lastSyncResourceVersion()).toBe(String(fake.resourceVersion));
    await informer.stop();
  });

  it('watches again from where it was when the server ends the watch, without relisting', async () => {
    const { clock, fake, informer, log } = rig();
    const cms = fake.client().resource<ConfigMap>(CONFIGMAPS).namespace('ns');
    informer.start();
    await informer.whenSynced();
    await until(() => fake.watchCount() === 1, 'watch');
    await cms.create(cm('ns', 'a'));
    await until(() => log.length === 1, 'add');
    // The watch's timeoutSeconds (at most 600) runs out on the server.
    await clock.advanceAsync(600_000);
    await until(() => fake.actions({ verb: 'watch' }).length === 2 && fake.watchCount() === 1, 'second watch');
    expect(fake.actions({ verb: 'watch' })[1]?.query.get('resourceVersion')).toBe('1');
    await cms.create(cm('ns', 'b'));
    await until(() => log.length === 2, 'second add');
    expect(fake.actions({ verb: 'list' })).toHaveLength(1);
    await informer.stop();
    expect(fake.watchCount()).toBe(0);
  });

  it('bookmarks advance the resourceVersion a later watch starts from', async () => {
    const { fake, informer } = rig({ namespace: 'mine' });
    informer.start();
    await informer.whenSynced();
    await until(() => fake.watchCount() === 1, 'watch');
    const others = fake.client().resource<ConfigMap>(CONFIGMAPS).namespace('other');
    await others.create(cm('other', 'x'));
    await others.create(cm('other', 'y'));
    expect(informer.lastSyncResourceVersion()).toBe('0');
    fake.bookmark();
    await until(() => informer.lastSyncResourceVersion() === '2', 'bookmark');
    fake.closeWatches();
    await until(() => fake.actions({ verb: 'watch' }).length === 2, 'rewatch');
    expect(fake.actions({ verb: 'watch' })[1]?.query.get('resourceVersion')).toBe('2');
    await informer.stop();
  });

  it('backs off while the apiserver refuses connections, then lists', async () => {
    const { clock, fake, informer } = rig();
    fake.setAvailable(false);
    informer.start();
    await settle();
    expect(informer.hasSynced()).toBe(false);
    await clock.advanceAsync(800 * 2);
    await settle();
    expect(informer.hasSynced()).toBe(false);
    fake.setAvailable(true);
    await clock.advanceAsync(60_000);
    await informer.whenSynced();
    expect(informer.hasSynced()).toBe(true);
    await informer.stop();
  });

  it('relists when the watch request itself is answered 410 Gone', async () => {
    const { clock, fake, informer } = rig();
    fake.seed(cm('ns', 'a'));
    fake.injectFailure({ verb: 'watch', code: 410, reason: 'Expired', message: 'too old resource version: 1 (2)' });
    informer.start();
    await informer.whenSynced();
    await until(() => fake.watchCount() === 1, 'watch after relist');
    expect(fake.actions({ verb: 'list' })).toHaveLength(2);
    expect(clock.now()).toBe(0); // no backoff before a relist on 410
    await informer.stop();
  });
});
