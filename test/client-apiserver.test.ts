/**
 * @kubemu/client (kubemu's client-go) against the real apiserver process, configured only by the
 * admin kubeconfig it wrote (HTTPS, cluster CA, bearer token): RestClient CRUD and the ApiError
 * of each failure, a SharedInformer over pods, the reflector recovering when the apiserver is
 * restarted (and relisting when its watch position was compacted away meanwhile), and two
 * LeaderElectors over one Lease.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findResource } from '@kubemu/api';
import type { ConfigMap, Pod } from '@kubemu/api';
import { RealClock, SeededRng, silentLogger } from '@kubemu/base';
import {
  ApiError, DeletedFinalStateUnknown, LeaderElector, LeaseLock, RestClient, SharedInformer,
  isAlreadyExists, isConflict, isInvalid, isNotFound, loadRestConfig,
} from '@kubemu/client';
import type { ResourceClient } from '@kubemu/client';
import { ApiServerProcess, haveApiserverBuild } from './support/apiserver-process';
import { haveEtcdctl } from './support/kvstore-cluster';
import { waitFor } from './support/kubemu-project';
import { startStore } from './support/store-process';
import type { StoreProcess } from './support/store-process';

jest.setTimeout(60_000);

if (!haveApiserverBuild) console.warn('client-apiserver skipped: build packages/apiserver first (npx tsc -b packages/apiserver)');
const maybe = haveApiserverBuild && haveEtcdctl ? describe : describe.skip;

const NS = 'client';
const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const PODS = findResource('', 'v1', 'pods')!;
const clock = new RealClock();

const pod = (name: string, labels: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

/** The ApiError a rejected promise carries (a non-ApiError rejection fails the test). */
async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError, the request succeeded');
}

maybe('@kubemu/client against the apiserver process', () => {
  let dir: string;
  let store: StoreProcess;
  let api: ApiServerProcess;
  let client: RestClient;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kubemu-client-api-'));
    store = await startStore('kvstore', dir);
    api = await ApiServerProcess.start(path.join(dir, 'apiserver'), [store.endpoint]);
    client = RestClient.fromConfig(loadRestConfig({ kubeconfig: api.kubeconfig, env: {} }), { qps: 200, burst: 400 });
    await client.resource(findResource('', 'v1', 'namespaces')!).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await client.resource(findResource('', 'v1', 'serviceaccounts')!).namespace(NS).create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
  });

  afterAll(async () => {
    await api?.stop();
    await store?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('RestClient', () => {
    let cms: ResourceClient<ConfigMap>;
    beforeAll(() => {
      cms = client.resource<ConfigMap>(CONFIGMAPS).namespace(NS);
    });

    test('create, get, update, list, delete', async () => {
      const created = await cms.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'crud' }, data: { a: '1' } });
      expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
      const got = await cms.get('crud');
      expect(got.data).toEqual({ a: '1' });
      const updated = await cms.update({ ...got, data: { a: '2' } });
      expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(got.metadata?.resourceVersion));
      const list = await cms.list();
      expect(list.items.map((c) => c.metadata?.name)).toContain('crud');
      // List items come back with the kind the server strips from them.
      expect(list.items.find((c) => c.metadata?.name === 'crud')).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: '2' } });
      const patched = await cms.patch('crud', 'merge', { data: { b: '3' } });
      expect(patched.data).toEqual({ a: '2', b: '3' });
      await cms.delete('crud');
      expect(isNotFound(await apiError(cms.get('crud')))).toBe(true);
    });

    test('failures map to ApiError with the Status: 404, 409 AlreadyExists, 409 Conflict, 422 Invalid', async () => {
      const missing = await apiError(cms.get('never'));
      expect(isNotFound(missing)).toBe(true);
      expect(missing.httpStatus).toBe(404);
      expect(missing.status).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'configmaps "never" not found', details: { name: 'never', kind: 'configmaps' } });

      const first = await cms.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'twice' }, data: { v: '1' } });
      const dup = await apiError(cms.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'twice' } }));
      expect(isAlreadyExists(dup)).toBe(true);
      expect(dup.httpStatus).toBe(409);
      expect(dup.message).toContain('configmaps "twice" already exists');

      await cms.update({ ...first, data: { v: '2' } });
      const stale = await apiError(cms.update({ ...first, data: { v: '3' } }));
      expect(isConflict(stale)).toBe(true);
      expect(stale.status.message).toBe('Operation cannot be fulfilled on configmaps "twice": the object has been modified; please apply your changes to the latest version and try again');

      const bad = await apiError(cms.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_Valid' } }));
      expect(isInvalid(bad)).toBe(true);
      expect(bad.httpStatus).toBe(422);
      expect(bad.status.details).toMatchObject({ name: 'Not_Valid', kind: 'ConfigMap' });
      expect(bad.status.details?.causes?.[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'metadata.name' });
    });
  });

  describe('SharedInformer over pods, and its reflector across an apiserver restart', () => {
    let informer: SharedInformer<Pod>;
    const seen: string[] = [];

    beforeAll(async () => {
      informer = new SharedInformer<Pod>(client.resource<Pod>(PODS).namespace(NS), {
        clock,
        rng: new SeededRng(3),
        logger: silentLogger('informer'),
        // Quick retries while the apiserver is down (client-go: 800 ms doubling to 30 s).
        backoff: { initialMs: 200, maxMs: 1000, factor: 2, jitter: 0.2 },
      });
      informer.addEventHandler({
        onAdd: (p) => seen.push(`add:${p.metadata?.name ?? ''}`),
        onUpdate: (o, n) => {
          if (o.metadata?.resourceVersion !== n.metadata?.resourceVersion) seen.push(`update:${n.metadata?.name ?? ''}:${n.metadata?.labels?.['v'] ?? ''}`);
        },
        onDelete: (p) => seen.push(p instanceof DeletedFinalStateUnknown ? `delete-unknown:${p.key}` : `delete:${p.metadata?.name ?? ''}`),
      });
      await client.resource<Pod>(PODS).create(pod('existing'));
      informer.start();
      await informer.whenSynced();
    });

    afterAll(async () => {
      await informer?.stop();
    });

    const sawAll = (...events: string[]): Promise<boolean> =>
      waitFor(`informer events ${events.join(', ')} (saw ${seen.join(', ')})`, () => Promise.resolve(events.every((e) => seen.includes(e)) ? true : undefined), 20_000, 50);

    test('lists what exists, then sees add, update and delete', async () => {
      expect(seen).toEqual(['add:existing']);
      const pods = client.resource<Pod>(PODS).namespace(NS);
      const created = await pods.create(pod('web', { v: '1' }));
      await pods.update({ ...created, metadata: { ...created.metadata, labels: { v: '2' } } });
      // Unscheduled: deleted at once, as kube-apiserver does for a pod no node runs.
      await pods.delete('web');
      await sawAll('add:web', 'update:web:2', 'delete:web');
      expect(seen.slice(1)).toEqual(['add:web', 'update:web:2', 'delete:web']);
      expect(informer.lister().list().map((p) => p.metadata?.name)).toEqual(['existing']);
    });

    test('after an apiserver restart the reflector watches again, and relists when its version was compacted away', async () => {
      const pods = client.resource<Pod>(PODS).namespace(NS);
      await pods.create(pod('doomed'));
      await sawAll('add:doomed');
      seen.length = 0;

      await api.stop();
      // While the apiserver is down, a store admin removes the pod's key and compacts the history:
      // the reflector's watch position is then gone, so only a relist can tell it about the delete.
      expect((await store.etcdctl(['del', `/registry/pods/${NS}/doomed`])).stdout).toBe('1\n');
      const rev = Number(JSON.parse((await store.etcdctl(['put', 'compact-mark', 'x', '-w', 'json'])).stdout).header.revision);
      expect((await store.etcdctl(['compact', String(rev)])).code).toBe(0);
      await api.restart();

      await pods.create(pod('after-restart'));
      await sawAll(`delete-unknown:${NS}/doomed`, 'add:after-restart');
      expect(informer.lister().list().map((p) => p.metadata?.name).sort()).toEqual(['after-restart', 'existing']);
    });
  });

  describe('LeaderElector over a Lease', () => {
    const LEASE_MS = 3000;

    function candidate(identity: string, releaseOnCancel: boolean): { elector: LeaderElector; stop: AbortController; leadingSince: () => number | undefined; done: Promise<void> } {
      let since: number | undefined;
      const stop = new AbortController();
      const own = RestClient.fromConfig(loadRestConfig({ kubeconfig: api.kubeconfig, env: {} }), { qps: 50, burst: 100 });
      const elector = new LeaderElector({
        lock: new LeaseLock(own, NS, `lock-${String(releaseOnCancel)}`, identity),
        leaseDurationMs: LEASE_MS,
        renewDeadlineMs: 2000,
        retryPeriodMs: 250,
        releaseOnCancel,
        callbacks: {
          onStartedLeading: () => {
            since = Date.now();
          },
          onStoppedLeading: () => {
            since = undefined;
          },
        },
        clock,
        rng: new SeededRng(identity.length * 7919),
      });
      return { elector, stop, leadingSince: () => since, done: elector.run(stop.signal) };
    }

    test.each([
      ['without releasing (the other waits out the lease)', false],
      ['releasing the lease on stop', true],
    ])('one of two leads; when it stops, the other takes over within the lease duration: %s', async (_label, release) => {
      const a = candidate('elector-a', release);
      const b = candidate('elector-b', release);
      try {
        const first = await waitFor('a leader', () => Promise.resolve(a.leadingSince() ?? b.leadingSince()), 10_000, 20);
        expect(first).toBeDefined();
        // Only one leads, and both agree who.
        await new Promise((r) => setTimeout(r, 600));
        const leaders = [a, b].filter((c) => c.leadingSince() !== undefined);
        expect(leaders).toHaveLength(1);
        const [leader, other] = leaders[0] === a ? [a, b] : [b, a];
        const lease = await client.resource<{ spec?: { holderIdentity?: string } }>(findResource('coordination.k8s.io', 'v1', 'leases')!).namespace(NS).get(`lock-${String(release)}`);
        expect(lease.spec?.holderIdentity).toBe(leader === a ? 'elector-a' : 'elector-b');

        const stoppedAt = Date.now();
        leader.stop.abort();
        await leader.done;
        const tookOver = await waitFor('the other candidate leading', () => Promise.resolve(other.leadingSince()), 10_000, 20);
        // Without a release the lease must first expire on the other's clock: lease duration
        // from its last observed renewal, plus at most one jittered retry period.
        expect(tookOver - stoppedAt).toBeLessThanOrEqual(LEASE_MS + 250 * 2.2 + 300);
        if (release) expect(tookOver - stoppedAt).toBeLessThan(LEASE_MS / 2);
        else expect(tookOver - stoppedAt).toBeGreaterThan(LEASE_MS - 2 * 250 - 300);
      } finally {
        a.stop.abort();
        b.stop.abort();
        await Promise.all([a.done, b.done]);
      }
    });
  });
});
