// The real kubectl against an apiserver whose Events live in NATS: get events (one namespace, all,
// -w) and describe pod, which lists the pod's Events by field selector. Skipped without kubectl.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kubectlAvailable } from '../openapi/kubectl-fixture';
import type { Json } from '../test-apiserver';
import { event, eventually, startBusApiServer } from './test-event-bus';
import type { Replica } from './test-event-bus';
import { startTestNats } from './test-nats';
import type { TestNats } from './test-nats';

const describeIfKubectl = kubectlAvailable() ? describe : describe.skip;

describeIfKubectl('kubectl with Events in NATS', () => {
  let nats: TestNats;
  let replica: Replica;
  let dir: string;
  let pod: Json;

  const args = (...rest: string[]): string[] => ['--server', replica.url, '--cache-dir', path.join(dir, 'cache'), ...rest];
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, KUBECONFIG: path.join(dir, 'kubeconfig') });
  const kubectl = (...rest: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile('kubectl', args(...rest), { env: env() }, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
      });
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kubemu-kubectl-events-'));
    writeFileSync(path.join(dir, 'kubeconfig'), '');
    nats = await startTestNats();
    ({ replica } = await startBusApiServer({ natsUrl: nats.url, cluster: 'kubectl' }));
    await eventually('the bus to connect', () => replica.bus.connected());
    await replica.request('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'default' } });
    pod = (await replica.request('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } })).body;
    const about = { name: 'web', uid: pod.metadata.uid };
    const recent = new Date(Date.now() - 30_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (const [name, reason, message, type] of [
      ['web.1', 'Scheduled', 'Successfully assigned default/web to node-1', 'Normal'],
      ['web.2', 'BackOff', 'Back-off pulling image "nginx:1.25"', 'Warning'],
    ]) {
      const r = await replica.request('POST', '/api/v1/namespaces/default/events', { ...event(name!, { reason, message, type, involvedObject: about }), firstTimestamp: recent, lastTimestamp: recent });
      expect(r.status).toBe(201);
    }
    await replica.request('POST', '/api/v1/namespaces', { metadata: { name: 'other' } });
    await replica.request('POST', '/api/v1/namespaces/other/events', event('elsewhere.1', { reason: 'Elsewhere', involvedObject: { namespace: 'other', name: 'db' } }));
  });

  afterAll(async () => {
    await replica?.stop();
    await nats?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('kubectl get events and get events -A print the Events', async () => {
    const got = await kubectl('get', 'events');
    expect(got.stderr).toBe('');
    const lines = got.stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s{2,}/)).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(got.stdout).toContain('Successfully assigned default/web to node-1');
    expect(got.stdout).toMatch(/Warning\s+BackOff\s+pod\/web\s+Back-off pulling image "nginx:1.25"/);
    expect(got.stdout).not.toContain('Elsewhere');

    const all = await kubectl('get', 'events', '-A');
    expect(all.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+LAST SEEN/);
    expect(all.stdout).toMatch(/other\s+\S+\s+Normal\s+Elsewhere\s+pod\/db/);
    expect(all.stdout).toMatch(/default\s+\S+\s+Warning\s+BackOff/);
  });

  test('kubectl describe pod lists the pod\'s Events', async () => {
    const d = await kubectl('describe', 'pod', 'web');
    expect(d.code).toBe(0);
    const events = d.stdout.slice(d.stdout.indexOf('Events:'));
    expect(events).toMatch(/Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/web to node-1/);
    expect(events).toMatch(/Warning\s+BackOff/);
    expect(events).not.toContain('Elsewhere');
  });

  test('kubectl get events -w prints new Events as they come', async () => {
    const proc = spawn('kubectl', args('get', 'events', '-w'), { env: env() });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await eventually('the current Events', () => out.includes('Back-off pulling image'));
      await replica.request('POST', '/api/v1/namespaces/default/events', event('web.3', { reason: 'Pulled', message: 'Container image "nginx:1.25" already present on machine', involvedObject: { name: 'web', uid: pod.metadata.uid } }));
      await eventually('the new Event', () => out.includes('already present on machine'));
      expect(out).toMatch(/Normal\s+Pulled\s+pod\/web\s+Container image "nginx:1.25" already present on machine/);
    } finally {
      proc.kill('SIGTERM');
    }
  });
});
