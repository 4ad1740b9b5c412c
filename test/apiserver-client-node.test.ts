/**
 * @kubernetes/client-node 1.4 judges the apiserver: the real client library, configured only by
 * the admin kubeconfig the apiserver process wrote (HTTPS, cluster CA, bearer token), lists,
 * creates, reads, replaces, deletes, watches and runs an informer. The library is ESM-only, so
 * it runs as a separate node process (test/judges/client-node.mjs) that prints what it saw as
 * JSON; this test asserts on that.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiServerProcess, haveApiserverBuild } from './support/apiserver-process';
import type { Json } from './support/apiserver-process';
import { repoRoot } from './support/kubemu-project';
import { startStore } from './support/store-process';
import type { StoreProcess } from './support/store-process';

jest.setTimeout(60_000);

if (!haveApiserverBuild) console.warn('apiserver-client-node skipped: build packages/apiserver first (npx tsc -b packages/apiserver)');
const maybe = haveApiserverBuild ? describe : describe.skip;

const JUDGE = path.join(repoRoot, 'test', 'judges', 'client-node.mjs');
const NS = 'client-node';

function runJudge(kubeconfig: string, ns: string): Promise<{ code: number; result: Json; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [JUDGE, kubeconfig, ns], { cwd: repoRoot, timeout: 45_000 }, (err, stdout, stderr) => {
      let result: Json;
      try {
        result = JSON.parse(stdout.trim().split('\n').pop() ?? '');
      } catch {
        result = { unparsable: stdout };
      }
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, result, stderr });
    });
  });
}

maybe('@kubernetes/client-node 1.4 against the apiserver over HTTPS', () => {
  let dir: string;
  let store: StoreProcess;
  let api: ApiServerProcess;
  let r: Json;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kubemu-client-node-'));
    store = await startStore('kvstore', dir);
    api = await ApiServerProcess.start(path.join(dir, 'apiserver'), [store.endpoint]);
    const judged = await runJudge(api.kubeconfig, NS);
    if (judged.code !== 0) throw new Error(`judge exited ${judged.code}: ${JSON.stringify(judged.result).slice(0, 3000)}\n${judged.stderr}`);
    r = judged.result;
  });

  afterAll(async () => {
    await api?.stop();
    await store?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('lists namespaces and creates one', () => {
    expect(r.errors?.setup).toBeUndefined();
    expect(r.namespaces).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease']));
    expect(r.namespace).toEqual({ name: NS, phase: 'Active' });
  });

  test('creates, reads and lists a pod; admission and defaults show in the typed model', () => {
    expect(r.errors?.pods).toBeUndefined();
    expect(r.pod).toMatchObject({
      name: 'web',
      createdIsDate: true,
      phase: 'Pending',
      serviceAccountName: 'default',
      restartPolicy: 'Always',
      cpuRequest: '100m',
      tokenVolume: true,
    });
    expect(r.podRead.uid).toBe(r.pod.uid);
    expect(r.podList.names).toEqual(['web']);
    expect(Number(r.podList.resourceVersion)).toBeGreaterThanOrEqual(Number(r.podRead.resourceVersion));
  });

  // kube-apiserver's pod PrepareForCreate sets status.qosClass (here Burstable: requests without limits).
  test('a created pod carries its QoS class in status', () => {
    expect(r.pod.qosClass).toBe('Burstable');
  });

  test('failures arrive as ApiException carrying the Status', () => {
    expect(r.errors?.failures).toBeUndefined();
    expect(r.notFound).toMatchObject({ code: 404, body: { kind: 'Status', reason: 'NotFound', message: 'pods "nope" not found' } });
    expect(r.alreadyExists).toMatchObject({ code: 409, body: { reason: 'AlreadyExists', message: 'pods "web" already exists' } });
    expect(r.invalid).toMatchObject({ code: 422, body: { kind: 'Status', reason: 'Invalid', details: { name: 'Not_Valid', kind: 'ConfigMap' } } });
    expect(r.conflict).toMatchObject({ code: 409, body: { reason: 'Conflict' } });
  });

  test('a Deployment and a Lease round-trip through the typed models (MicroTime included)', () => {
    expect(r.errors?.typed).toBeUndefined();
    expect(r.deployment).toEqual({ generation: 1, replicas: 2, strategy: 'RollingUpdate' });
    expect(r.lease.holder).toBe('judge');
    expect(r.lease.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(r.lease.renewTime).toBe(r.lease.sent);
  });

  // kube-apiserver parses a MicroTime with the layout 2006-01-02T15:04:05.000000Z07:00, so a JS
  // Date's three fractional digits (what client-node sends for a plain Date) are a 400 BadRequest.
  test('a MicroTime with milliseconds only is refused, as kube-apiserver refuses it', () => {
    expect(r.leaseMillis).toMatchObject({
      code: 400,
      body: {
        reason: 'BadRequest',
        message: expect.stringContaining('parsing time "2026-01-02T03:04:05.006Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".006Z" as ".000000"'),
      },
    });
  });

  test('Watch from a list resourceVersion sees ADDED, MODIFIED, DELETED', () => {
    expect(r.errors?.watch).toBeUndefined();
    expect(r.watchEvents).toEqual([
      { type: 'ADDED', name: 'cfg', v: '1' },
      { type: 'MODIFIED', name: 'cfg', v: '2' },
      { type: 'DELETED', name: 'cfg', v: '2' },
    ]);
  });

  test('an informer lists what exists and watches what comes later', () => {
    expect(r.errors?.informer).toBeUndefined();
    expect(r.informer.events).toEqual(['add:before', 'add:after']);
    expect(r.informer.cached).toEqual(['after', 'before']);
  });

  test('pod deletion: an unscheduled pod goes at once, a bound one gracefully (30 s)', async () => {
    expect(r.errors?.podDelete).toBeUndefined();
    expect(r.podDelete).toEqual({ name: 'web', deletionTimestamp: null });
    expect(r.podDeleteThenRead).toMatchObject({ code: 404, body: { reason: 'NotFound' } });
    expect(r.boundDelete).toEqual({ nodeName: 'node-1', deletionTimestampIsDate: true, grace: 30 });
    // No kubelet finishes it: the pod stays, terminating, as on a cluster whose node is gone.
    const still = await api.request('GET', `/api/v1/namespaces/${NS}/pods/bound`);
    expect(still.status).toBe(200);
    expect(still.body.metadata.deletionTimestamp).toEqual(expect.stringMatching(/Z$/));
  });
});
