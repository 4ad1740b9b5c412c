import { ManualClock } from '@kubemu/base';
import { findResource } from '@kubemu/api';
import type { ConfigMap, Deployment, KubeObject, Namespace, Pod, ResourceInfo } from '@kubemu/api';
import { ApiError, ConnectionError, isAlreadyExists, isConflict, isGone, isInvalid, isNotFound } from '../api-error';
import type { StatusJson } from '../api-error';
import type { WatchEvent } from '../watch';
import { FakeApiServer } from './fake-api';
import { settle } from './settle';

const res = (group: string, version: string, resource: string): ResourceInfo => {
  const r = findResource(group, version, resource);
  if (r === undefined) throw new Error(resource);
  return r;
};
const PODS = res('', 'v1', 'pods');
const CONFIGMAPS = res('', 'v1', 'configmaps');
const NAMESPACES = res('', 'v1', 'namespaces');
const DEPLOYMENTS = res('apps', 'v1', 'deployments');

const pod = (name: string, labels: Record<string, string> = {}, nodeName?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...(nodeName ? { nodeName } : {}) },
});
const cm = (name: string, data: Record<string, string> = {}, labels: Record<string, string> = {}): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

function setup(): { fake: FakeApiServer; clock: ManualClock } {
  const clock = new ManualClock();
  return { fake: new FakeApiServer({ clock }), clock };
}

describe('FakeApiServer: writes', () => {
  it('create stamps identity, resets pod status to Pending, and refuses a duplicate with AlreadyExists', async () => {
    const { fake } = setup();
    const pods = fake.client().resource<Pod>(PODS).namespace('default');
    const created = await pods.create({ ...pod('web'), status: { phase: 'Running' } });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.metadata?.creationTimestamp).toBe('2026-01-01T00:00:00Z');
    expect(created.metadata?.resourceVersion).toBe('1');
    expect(created.metadata?.namespace).toBe('default');
    expect(created.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    const err = await rejection(pods.create(pod('web')));
    expect(isAlreadyExists(err)).toBe(true);
    expect(err.status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "web" already exists',
      reason: 'AlreadyExists',
      details: { name: 'web', kind: 'pods' },
      code: 409,
    });
  });

  it('get of a missing object is a 404 NotFound naming the group resource', async () => {
    const { fake } = setup();
    const err = await rejection(fake.client().resource<Deployment>(DEPLOYMENTS).namespace('ns').get('nope'));
    expect(isNotFound(err)).toBe(true);
    expect(err.status.message).toBe('deployments.apps "nope" not found');
    expect(err.status.details).toEqual({ name: 'nope', group: 'apps', kind: 'deployments' });
  });

  it('generateName gets a random suffix and validation failures are 422 Invalid', async () => {
    const { fake } = setup();
    const pods = fake.client().resource<Pod>(PODS).namespace('default');
    const p = await pods.create({ ...pod(''), metadata: { generateName: 'web-' } });
    expect(p.metadata?.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const err = await rejection(pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name' }, spec: { containers: [] } }));
    expect(isInvalid(err)).toBe(true);
    expect(err.status.message).toMatch(/^Pod "Bad_Name" is invalid: /);
  });

  it('update is conditional on resourceVersion, and a no-op update writes nothing', async () => {
    const { fake } = setup();
    const cms = fake.client().resource<ConfigMap>(CONFIGMAPS).namespace('default');
    const v1 = await cms.create(cm('c', { a: '1' }));
    const v2 = await cms.update({ ...v1, data: { a: '2' } });
    expect(Number(v2.metadata?.resourceVersion)).toBeGreaterThan(Number(v1.metadata?.resourceVersion));
    const stale = await rejection(cms.update({ ...v1, data: { a: '3' } }));
    expect(isConflict(stale)).toBe(true);
    expect(stale.status.message).toBe(
      'Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again',
    );
    const rv = fake.resourceVersion;
    const same = await cms.update(v2);
    expect(same.metadata?.resourceVersion).toBe(v2.metadata?.resourceVersion);
    expect(fake.resourceVersion).toBe(rv);
    // Without a resourceVersion the update is unconditional.
    const { resourceVersion: _, ...meta } = v1.metadata ?? {};
    await expect(cms.update({ ...v1, metadata: meta, data: { a: '4' } })).resolves.toMatchObject({ data: { a: '4' } });
  });

  it('status and spec are written through separate endpoints; generation counts spec changes', async () => {
    const { fake } = setup();
    const deps = fake.client().resource<Deployment>(DEPLOYMENTS).namespace('default');
    const d: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    const created = await deps.create(d);
    expect(created.metadata?.generation).toBe(1);
    const withStatus = await deps.updateStatus({ ...created, spec: { ...created.spec!, replicas: 5 }, status: { replicas: 1, observedGeneration: 1 } });
    expect(withStatus.status?.replicas).toBe(1);
    expect(withStatus.spec?.replicas).toBe(1);
    expect(withStatus.metadata?.generation).toBe(1);
    const scaled = await deps.update({ ...withStatus, spec: { ...withStatus.spec!, replicas: 3 }, status: {} });
    expect(scaled.spec?.replicas).toBe(3);
    expect(scaled.status?.replicas).toBe(1);
    expect(scaled.metadata?.generation).toBe(2);
  });

  it('patches: merge, strategic (conditions merged by type) and json', async () => {
    const { fake } = setup();
    const pods = fake.client().resource<Pod>(PODS).namespace('default');
    await pods.create(pod('p', { a: '1' }));
    const merged = await pods.patch('p', 'merge', { metadata: { labels: { a: null, b: '2' } } });
    expect(merged.metadata?.labels).toEqual({ b: '2' });
    await pods.patch('p', 'strategic', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }, { subresource: 'status' });
    const p = await pods.patch('p', 'strategic', { status: { conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
    expect(p.status?.conditions).toEqual([
      { type: 'Ready', status: 'True' },
      { type: 'Initialized', status: 'True' },
    ]);
    const j = await pods.patch('p', 'json', [{ op: 'add', path: '/metadata/annotations', value: { x: 'y' } }]);
    expect(j.metadata?.annotations).toEqual({ x: 'y' });
    const bad = await rejection(pods.patch('p', 'json', [{ op: 'test', path: '/metadata/name', value: 'other' }]));
    expect(bad.status.code).toBe(422);
  });

  it('finalizers keep a deleted object until they are removed', async () => {
    const { fake } = setup();
    const cms = fake.client().resource<ConfigMap>(CONFIGMAPS).namespace('default');
    await cms.create({ ...cm('c'), metadata: { name: 'c', finalizers: ['example.com/hold'] } });
    const deleting = (await cms.delete('c')) as ConfigMap;
    expect(deleting.metadata?.deletionTimestamp).toBe('2026-01-01T00:00:00Z');
    expect((await cms.get('c')).metadata?.deletionTimestamp).toBeDefined();
    const err = await rejection(cms.patch('c', 'merge', { metadata: { finalizers: ['example.com/hold', 'new'] } }));
    expect(err.status.code).toBe(422);
    await cms.patch('c', 'merge', { metadata: { finalizers: null } });
    expect(isNotFound(await rejection(cms.get('c')))).toBe(true);
  });

  it('propagationPolicy Foreground and Orphan add the garbage collector finalizers', async () => {
    const { fake } = setup();
    const cms = fake.client().resource<ConfigMap>(CONFIGMAPS).namespace('default');
    await cms.create(cm('f'));
    await cms.create(cm('o'));
    await cms.create(cm('b'));
    expect(((await cms.delete('f', { propagationPolicy: 'Foreground' })) as ConfigMap).metadata?.finalizers).toEqual(['foregroundDeletion']);
    expect(((await cms.delete('o', { propagationPolicy: 'Orphan' })) as ConfigMap).metadata?.finalizers).toEqual(['orphan']);
    await cms.delete('b', { propagationPolicy: 'Background' });
    expect(fake.objects(CONFIGMAPS).map((o) => o.metadata?.name)).toEqual(['f', 'o']);
  });

  it('a scheduled pod is deleted gracefully: deletionTimestamp in the future until a grace-0 delete', async () => {
    const { fake } = setup();
    const pods = fake.client().resource<Pod>(PODS).namespace('default');
    await pods.create(pod('unscheduled'));
    await pods.delete('unscheduled');
    expect(fake.object(PODS, 'default', 'unscheduled')).toBeUndefined();
    await pods.create(pod('running', {}, 'node-1'));
    const d = (await pods.delete('running', { gracePeriodSeconds: 30 })) as Pod;
    expect(d.metadata?.deletionTimestamp).toBe('2026-01-01T00:00:30Z');
    expect(d.metadata?.deletionGracePeriodSeconds).toBe(30);
    await pods.delete('running', { gracePeriodSeconds: 0 });
    expect(fake.object(PODS, 'default', 'running')).toBeUndefined();
  });

  it('delete preconditions on uid and resourceVersion', async () => {
    const { fake } = setup();
    const cms = fake.client().resource<ConfigMap>(CONFIGMAPS).namespace('default');
    const c = await cms.create(cm('c'));
    const err = await rejection(cms.delete('c', { preconditions: { uid: 'other' } }));
    expect(err.status.message).toBe(`Operation cannot be fulfilled on configmaps "c": Precondition failed: UID in precondition: other, UID in object meta: ${c.metadata?.uid}`);
    await cms.delete('c', { preconditions: { uid: c.metadata?.uid ?? '', resourceVersion: c.metadata?.resourceVersion ?? '' } });
    expect(fake.objects(CONFIGMAPS)).toEqual([]);
  });

  it('pods/binding assigns a node once and marks the pod scheduled', async () => {
    const { fake } = setup();
    const pods = fake.client().resource<Pod>(PODS).namespace('default');
    await pods.create(pod('p'));
    const bind = (node: string): Promise<StatusJson> =>
      pods.createSubresource('p', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: node } });
    await expect(bind('node-1')).resolves.toMatchObject({ status: 'Success', code: 201 });
    const p = await pods.get('p');
    expect(p.spec?.nodeName).toBe('node-1');
    expect(p.status?.conditions).toEqual([{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }]);
    const err = await rejection(bind('node-2'));
    expect(err.status.message).toBe('Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "node-1"');
  });

  it('namespace deletion waits for the finalize subresource to clear spec.finalizers', async () => {
    const { fake } = setup();
    const nss = fake.client().resource<Namespace>(NAMESPACES);
    const ns = await nss.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    expect(ns.spec?.finalizers).toEqual(['kubernetes']);
    expect(ns.status?.phase).toBe('Active');
    const deleting = (await nss.delete('team')) as Namespace;
    expect(deleting.status?.phase).toBe('Terminating');
    await nss.updateSubresource('team', 'finalize', { ...deleting, spec: { finalizers: [] } });
    expect(fake.object(NAMESPACES, undefined, 'team')).toBeUndefined();
  });

  it('namespaceLifecycle refuses creates in missing or terminating namespaces', async () => {
    const fake = new FakeApiServer({ namespaceLifecycle: true });
    const cms = fake.client().resource<ConfigMap>(CONFIGMAPS);
    expect((await rejection(cms.namespace('nope').create(cm('c')))).status.message).toBe('namespaces "nope" not found');
    fake.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gone', deletionTimestamp: '2026-01-01T00:00:00Z' } });
    const err = await rejection(cms.namespace('gone').create(cm('c')));
    expect(err.status.code).toBe(403);
    expect(err.status.message).toBe('configmaps "c" is forbidden: unable to create new content in namespace gone because it is being terminated');
  });
});

describe('FakeApiServer: collections and subresources', () => {
  it('deletecollection deletes what the selector matches; dryRun writes nothing', async () => {
    const { fake } = setup();
    const cms = fake.client().resource<ConfigMap>(CONFIGMAPS).namespace('default');
    for (const [n, app] of [['a', 'x'], ['b', 'y'], ['c', 'x']] as const) await cms.create(cm(n, {}, { app }));
    await cms.delete('a', { dryRun: true });
    await cms.create(cm('d'), { dryRun: true });
    expect(fake.objects(CONFIGMAPS).map((o) => o.metadata?.name)).toEqual(['a', 'b', 'c']);
    await cms.deleteCollection({ labelSelector: 'app=x' });
    expect(fake.objects(CONFIGMAPS).map((o) => o.metadata?.name)).toEqual(['b']);
  });

  it('scale reads and writes spec.replicas of a workload; eviction deletes a pod', async () => {
    const { fake } = setup();
    const deps = fake.client().resource<Deployment>(DEPLOYMENTS).namespace('default');
    await deps.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    const scale = await deps.getSubresource<KubeObject>('d', 'scale');
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 }, status: { replicas: 0, selector: 'app=d' } });
    await deps.updateSubresource('d', 'scale', { ...scale, spec: { replicas: 5 } });
    expect((await deps.get('d')).spec?.replicas).toBe(5);

    const pods = fake.client().resource<Pod>(PODS).namespace('default');
    await pods.create(pod('p'));
    await pods.createSubresource('p', 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p', namespace: 'default' } });
    expect(fake.object(PODS, 'default', 'p')).toBeUndefined();
  });

  it('naming an object of a namespaced resource without a namespace rejects (it does not throw)', async () => {
    const { fake } = setup();
    const p = fake.client().resource<Pod>(PODS).get('x');
    await expect(p).rejects.toThrow('pods is namespaced: call .namespace(ns) before naming an object');
  });

  it('unknown paths and subresources are 404', async () => {
    const { fake } = setup();
    const client = fake.client();
    expect((await client.request({ method: 'GET', path: '/api/v1/widgets' })).status).toBe(404);
    expect((await client.request({ method: 'GET', path: '/apis/apps/v1/namespaces/x/deployments/d/log' })).status).toBe(404);
  });
});

describe('FakeApiServer: reads', () => {
  async function seeded(): Promise<FakeApiServer> {
    const fake = new FakeApiServer();
    const pods = fake.client().resource<Pod>(PODS);
    for (const [ns, name, app, node] of [
      ['a', 'p1', 'web', 'n1'],
      ['a', 'p2', 'db', 'n2'],
      ['b', 'p3', 'web', 'n1'],
      ['b', 'p4', 'web', 'n2'],
    ] as const) {
      await pods.namespace(ns).create(pod(name, { app }, node));
    }
    return fake;
  }

  it('lists across or within namespaces, by label and field selectors, without item kinds on the wire', async () => {
    const fake = await seeded();
    const pods = fake.client().resource<Pod>(PODS);
    const names = (l: { items: Pod[] }): string[] => l.items.map((p) => p.metadata?.name ?? '');
    expect(names(await pods.list())).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(names(await pods.namespace('b').list())).toEqual(['p3', 'p4']);
    expect(names(await pods.list({ labelSelector: 'app=web' }))).toEqual(['p1', 'p3', 'p4']);
    expect(names(await pods.list({ labelSelector: 'app in (db)', fieldSelector: 'spec.nodeName=n2' }))).toEqual(['p2']);
    const raw = await fake.client().request({ method: 'GET', path: '/api/v1/namespaces/a/pods' });
    const body = JSON.parse(raw.body) as { kind: string; apiVersion: string; items: KubeObject[]; metadata: { resourceVersion: string } };
    expect([body.kind, body.apiVersion, body.metadata.resourceVersion]).toEqual(['PodList', 'v1', '4']);
    expect(body.items[0]?.kind).toBeUndefined();
    const bad = await rejection(pods.list({ fieldSelector: 'spec.bogus=1' }));
    expect([bad.status.code, bad.status.message]).toEqual([400, 'field label not supported: spec.bogus']);
  });

  it('pages with limit and continue, at the first page version even if objects change meanwhile', async () => {
    const fake = await seeded();
    const pods = fake.client().resource<Pod>(PODS);
    const first = await pods.list({ limit: 3 });
    expect(first.items.map((p) => p.metadata?.name)).toEqual(['p1', 'p2', 'p3']);
    expect(first.metadata.remainingItemCount).toBe(1);
    await pods.namespace('b').delete('p4');
    await pods.namespace('c').create(pod('p5'));
    const second = await pods.list({ limit: 3, continue: first.metadata.continue ?? '' });
    expect(second.items.map((p) => p.metadata?.name)).toEqual(['p4']);
    expect(second.metadata.continue).toBeUndefined();
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    fake.compact();
    const err = await rejection(pods.list({ limit: 3, continue: first.metadata.continue ?? '' }));
    expect(isGone(err)).toBe(true);
    expect(err.reason).toBe('Expired');
  });

  it('lists at an exact older version until it is compacted', async () => {
    const fake = await seeded();
    const pods = fake.client().resource<Pod>(PODS);
    await pods.namespace('a').delete('p1');
    const old = await pods.list({ resourceVersion: '2', resourceVersionMatch: 'Exact' });
    expect(old.items.map((p) => p.metadata?.name)).toEqual(['p1', 'p2']);
    fake.compact(3);
    const err = await rejection(pods.list({ resourceVersion: '2', resourceVersionMatch: 'Exact' }));
    expect(err.status.message).toBe('too old resource version: 2 (3)');
  });

  it('watch replays history from a version, follows selectors in and out, and expires after compaction', async () => {
    const fake = await seeded();
    const pods = fake.client().resource<Pod>(PODS);
    const w = await pods.namespace('a').watch({ resourceVersion: '1', labelSelector: 'app=web' });
    const seen: string[] = [];
    const done = w.forEach((e) => seen.push(`${e.type} ${(e.object as Pod).metadata?.name ?? ''}`));
    await settle();
    expect(seen).toEqual([]);
    await pods.namespace('a').patch('p2', 'merge', { metadata: { labels: { app: 'web' } } });
    await pods.namespace('a').patch('p2', 'merge', { metadata: { annotations: { x: '1' } } });
    await pods.namespace('a').patch('p2', 'merge', { metadata: { labels: { app: 'db' } } });
    await pods.namespace('b').delete('p3');
    await pods.namespace('a').delete('p1');
    await pods.namespace('a').delete('p1', { gracePeriodSeconds: 0 });
    await settle();
    // p1 runs on a node: deleting it first sets deletionTimestamp (graceful), then grace 0 removes it.
    expect(seen).toEqual(['ADDED p2', 'MODIFIED p2', 'DELETED p2', 'MODIFIED p1', 'DELETED p1']);
    w.stop();
    await done;
    expect(fake.watchCount()).toBe(0);

    fake.compact();
    const old = await pods.watch({ resourceVersion: '2' });
    const events: WatchEvent<Pod>[] = [];
    await old.forEach((e) => events.push(e));
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe('ERROR');
    expect((events[0]?.object as StatusJson).code).toBe(410);
  });

  it('a watch without a version starts with the current objects, and ends at timeoutSeconds', async () => {
    const clock = new ManualClock();
    const fake = new FakeApiServer({ clock });
    const cms = fake.client().resource<ConfigMap>(CONFIGMAPS).namespace('default');
    await cms.create(cm('x'));
    const w = await cms.watch({ timeoutSeconds: 60, allowWatchBookmarks: true });
    const seen: string[] = [];
    let ended = false;
    void w.forEach((e) => seen.push(`${e.type} ${e.object.metadata?.resourceVersion ?? ''}`)).then(() => (ended = true));
    await settle();
    fake.bookmark();
    await settle();
    expect(seen).toEqual(['ADDED 1', 'BOOKMARK 1']);
    clock.advance(59_000);
    await settle();
    expect(ended).toBe(false);
    clock.advance(1_000);
    await settle();
    expect(ended).toBe(true);
  });
});

describe('FakeApiServer: injected failures', () => {
  it('answers a matching request with the injected Status, as many times as asked', async () => {
    const { fake } = setup();
    const cms = fake.client().resource<ConfigMap>(CONFIGMAPS).namespace('default');
    fake.injectFailure({ verb: 'create', resource: 'configmaps', code: 500, times: 2 });
    expect((await rejection(cms.create(cm('a')))).status.code).toBe(500);
    expect((await rejection(cms.create(cm('a')))).reason).toBe('InternalError');
    await expect(cms.create(cm('a'))).resolves.toBeDefined();
    expect(fake.actions({ verb: 'create', resource: 'configmaps' })).toHaveLength(3);
  });

  it('refused connections and hanging requests', async () => {
    const { fake } = setup();
    const cms = fake.client().resource<ConfigMap>(CONFIGMAPS).namespace('default');
    fake.setAvailable(false);
    await expect(cms.get('x')).rejects.toBeInstanceOf(ConnectionError);
    fake.setAvailable(true);
    fake.injectFailure({ verb: 'get', error: 'hang' });
    const ctl = new AbortController();
    let settled = false;
    const p = cms.get('x', { signal: ctl.signal }).catch((e: unknown) => {
      settled = true;
      return e;
    });
    await settle();
    expect(settled).toBe(false);
    ctl.abort();
    expect(((await p) as Error).name).toBe('AbortError');
  });

  it('the client retries a 429 with Retry-After, within its bound', async () => {
    const clock = new ManualClock();
    const fake = new FakeApiServer({ clock });
    const cms = fake.client({ maxRetries: 2 }).resource<ConfigMap>(CONFIGMAPS).namespace('default');
    fake.injectFailure({ verb: 'create', code: 429, retryAfterSeconds: 1, times: 2 });
    const p = cms.create(cm('a'));
    await settle();
    await clock.advanceAsync(1000);
    await settle();
    await clock.advanceAsync(1000);
    await expect(p).resolves.toMatchObject({ metadata: { name: 'a' } });
    fake.injectFailure({ verb: 'create', code: 429, retryAfterSeconds: 1, times: 3 });
    const q = cms.create(cm('b')).catch((e: unknown) => e);
    for (let i = 0; i < 3; i++) {
      await settle();
      await clock.advanceAsync(1000);
    }
    expect(((await q) as ApiError).status.code).toBe(429);
    expect(fake.actions({ verb: 'create' })).toHaveLength(6);
  });
});
