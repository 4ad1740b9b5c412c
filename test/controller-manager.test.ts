/**
 * kube-controller-manager end to end: a store and the apiserver as processes, simulated nodes
 * (testkit) running the pods the scheduler (a process) binds, and two controller-manager
 * replicas (`node packages/controller-manager/dist/main.js`) leader-elected through the Lease
 * kube-system/kube-controller-manager. Judged by kubectl 1.32: create deployment, scale, set
 * image, rollout status / history / undo / pause / resume, expose, delete namespace, delete
 * deployment; then a SIGKILL of the leader and an apiserver frozen past the renew deadline.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { RealClock, SeededRng, silentLogger } from '@kubemu/base';
import type { Endpoints, Lease, Pod, ReplicaSet } from '@kubemu/api';
import { RestClient, loadRestConfig } from '@kubemu/client';
import { REPO_ROOT, SimulatedNodes, freePort, startComponent, startControlPlane, waitFor } from '@kubemu/testkit';
import type { ControlPlane, Proc } from '@kubemu/testkit';

jest.setTimeout(180_000);

const CM_MAIN = path.join(REPO_ROOT, 'packages', 'controller-manager', 'dist', 'main.js');
const SCHEDULER_MAIN = path.join(REPO_ROOT, 'packages', 'scheduler', 'dist', 'main.js');
const APISERVER_MAIN = path.join(REPO_ROOT, 'packages', 'apiserver', 'dist', 'main.js');
const haveKubectl = (process.env.PATH ?? '').split(':').some((d) => existsSync(path.join(d, 'kubectl')));
const ready = haveKubectl && existsSync(CM_MAIN) && existsSync(SCHEDULER_MAIN) && existsSync(APISERVER_MAIN);
if (!ready) console.warn('controller-manager e2e skipped: needs kubectl and built packages (npx tsc -b packages/controller-manager packages/scheduler packages/apiserver)');
const maybe = ready ? describe : describe.skip;

const LEASE_MS = 5000;
const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true } as const;
const RSS = { group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true } as const;
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true } as const;

let cp: ControlPlane;
let client: RestClient;
let nodes: SimulatedNodes;
let scheduler: Proc;
const managers: { proc: Proc; port: number }[] = [];

function kubectl(args: string[], timeoutMs = 90_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', [`--kubeconfig=${cp.kubeconfig}`, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function kubectlOk(args: string[], timeoutMs?: number): Promise<string> {
  const r = await kubectl(args, timeoutMs);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function leaderIndex(): Promise<number> {
  for (const [i, m] of managers.entries()) {
    if (m.proc.child.exitCode !== null || m.proc.child.signalCode !== null) continue;
    const text = await fetch(`http://127.0.0.1:${m.port}/metrics`).then((r) => r.text(), () => '');
    if (/^leader_election_master_status\{name="kube-controller-manager"\} 1$/m.test(text)) return i;
  }
  return -1;
}

async function startManager(): Promise<void> {
  const port = await freePort();
  const i = managers.length;
  const proc = startComponent(`controller-manager-${i}`, 'controller-manager', [
    `--kubeconfig=${cp.kubeconfig}`,
    '--leader-elect=true',
    `--leader-elect-lease-duration=${LEASE_MS}ms`,
    '--leader-elect-renew-deadline=2s',
    '--leader-elect-retry-period=200ms',
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    '--allocate-node-cidrs=true',
    '--kube-api-qps=200',
    '--kube-api-burst=400',
  ], cp.dir);
  managers.push({ proc, port });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, `controller-manager-${i} healthz`, 30_000, 200);
}

async function pods(selector: string, ns = 'default'): Promise<Pod[]> {
  return (await client.resource<Pod>(PODS).namespace(ns).list({ labelSelector: selector })).items;
}

const running = (ps: Pod[]): Pod[] => ps.filter((p) => p.status?.phase === 'Running' && p.metadata?.deletionTimestamp === undefined);

maybe('kube-controller-manager against a real apiserver', () => {
  beforeAll(async () => {
    cp = await startControlPlane('kubemu-kcm-e2e-');
    client = RestClient.fromConfig(loadRestConfig({ kubeconfig: cp.kubeconfig }), { qps: 200, burst: 400 });
    nodes = new SimulatedNodes({ client, clock: new RealClock(), rng: new SeededRng(9), log: silentLogger(), count: 3, podStartDelayMs: 200 });
    await nodes.start();
    scheduler = startComponent('scheduler', 'scheduler', [`--kubeconfig=${cp.kubeconfig}`, '--leader-elect=false', `--secure-port=${await freePort()}`, '--bind-address=127.0.0.1'], cp.dir);
    await startManager();
    await startManager();
    await waitFor(async () => (await leaderIndex()) >= 0, 'a controller-manager leader', 30_000, 200);
  }, 120_000);

  afterAll(async () => {
    await nodes?.stop();
    for (const m of managers) await m.proc.stop();
    await scheduler?.stop();
    client?.close();
    await cp?.stop();
  }, 60_000);

  test('one leader holds the Lease; the serviceaccount controller makes pods admissible', async () => {
    const leader = await leaderIndex();
    const lease = await client.resource<Lease>(LEASES).namespace('kube-system').get('kube-controller-manager');
    expect(lease.spec?.holderIdentity).toBeTruthy();
    expect(lease.spec?.leaseDurationSeconds).toBe(5);
    const others = managers.filter((_, i) => i !== leader);
    for (const m of others) expect(await fetch(`http://127.0.0.1:${m.port}/metrics`).then((r) => r.text())).toMatch(/^leader_election_master_status\{name="kube-controller-manager"\} 0$/m);
    await waitFor(async () => (await kubectl(['get', 'serviceaccount', 'default'])).code === 0, 'the default ServiceAccount', 30_000, 200);
    await waitFor(async () => (await kubectl(['get', 'configmap', 'kube-root-ca.crt'])).code === 0, 'kube-root-ca.crt', 30_000, 200);
    const ca = await kubectlOk(['get', 'configmap', 'kube-root-ca.crt', '-o', 'jsonpath={.data.ca\\.crt}']);
    expect(ca).toContain('BEGIN CERTIFICATE');
  });

  test('create deployment, scale --replicas=10, rollout status', async () => {
    await kubectlOk(['create', 'deployment', 'web', '--image=nginx:1', '--replicas=2']);
    expect(await kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=60s'])).toContain('deployment "web" successfully rolled out');
    await kubectlOk(['scale', 'deployment', 'web', '--replicas=10']);
    expect(await kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=60s'])).toContain('successfully rolled out');
    await waitFor(async () => running(await pods('app=web')).length === 10, '10 running pods', 30_000, 200);
    const wide = await kubectlOk(['get', 'deployment', 'web', '--no-headers']);
    expect(wide).toMatch(/^web\s+10\/10\s+10\s+10\s/);
  });

  test('set image, rollout status, history and undo (to the previous and to a given revision)', async () => {
    await kubectlOk(['set', 'image', 'deployment/web', 'nginx=nginx:2']);
    expect(await kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=90s'])).toContain('successfully rolled out');
    const history = await kubectlOk(['rollout', 'history', 'deployment/web']);
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    expect(await kubectlOk(['rollout', 'undo', 'deployment/web'])).toContain('deployment.apps/web rolled back');
    expect(await kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=90s'])).toContain('successfully rolled out');
    expect(await kubectlOk(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).toBe('nginx:1');
    expect(await kubectlOk(['rollout', 'history', 'deployment/web'])).toMatch(/REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/);
    // The rollback reused revision 1's ReplicaSet rather than making a third.
    expect((await client.resource<ReplicaSet>(RSS).namespace('default').list({ labelSelector: 'app=web' })).items).toHaveLength(2);
    await kubectlOk(['rollout', 'undo', 'deployment/web', '--to-revision=2']);
    expect(await kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=90s'])).toContain('successfully rolled out');
    await waitFor(async () => running(await pods('app=web')).filter((p) => p.spec?.containers[0]?.image === 'nginx:2').length === 10 && running(await pods('app=web')).length === 10, 'ten nginx:2 pods', 30_000, 200);
    expect(await kubectlOk(['get', 'deployment', 'web', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}'])).toBe('4');
  });

  test('rollout pause holds a new template; resume rolls it out', async () => {
    await kubectlOk(['rollout', 'pause', 'deployment/web']);
    await kubectlOk(['set', 'image', 'deployment/web', 'nginx=nginx:3']);
    await new Promise((r) => setTimeout(r, 2000));
    expect(running(await pods('app=web')).every((p) => p.spec?.containers[0]?.image === 'nginx:2')).toBe(true);
    const cond = await kubectlOk(['get', 'deployment', 'web', '-o', 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}']);
    expect(cond).toBe('DeploymentPaused');
    await kubectlOk(['rollout', 'resume', 'deployment/web']);
    expect(await kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=90s'])).toContain('successfully rolled out');
    await waitFor(async () => running(await pods('app=web')).length === 10 && running(await pods('app=web')).every((p) => p.spec?.containers[0]?.image === 'nginx:3'), 'nginx:3 everywhere', 30_000, 200);
  });

  test('expose: the Service endpoints list every ready pod', async () => {
    await kubectlOk(['expose', 'deployment', 'web', '--port=80']);
    await waitFor(async () => {
      const ep = await client.resource<Endpoints>({ group: '', version: 'v1', resource: 'endpoints', namespaced: true }).namespace('default').get('web');
      return (ep.subsets?.[0]?.addresses ?? []).length === 10;
    }, '10 endpoint addresses', 30_000, 200);
  });

  test('delete namespace: everything inside goes, then the namespace', async () => {
    await kubectlOk(['create', 'namespace', 'scratch']);
    await waitFor(async () => (await kubectl(['-n', 'scratch', 'get', 'serviceaccount', 'default'])).code === 0, 'scratch/default ServiceAccount', 30_000, 200);
    await kubectlOk(['-n', 'scratch', 'create', 'deployment', 'tmp', '--image=nginx', '--replicas=2']);
    await kubectlOk(['-n', 'scratch', 'create', 'configmap', 'cfg', '--from-literal=a=1']);
    await waitFor(async () => running(await pods('app=tmp', 'scratch')).length === 2, 'scratch pods', 30_000, 200);
    await kubectlOk(['delete', 'namespace', 'scratch', '--timeout=90s'], 100_000);
    const r = await kubectl(['get', 'namespace', 'scratch']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('namespaces "scratch" not found');
  });

  test('failover: kill -9 the leader; the standby leads within the lease duration + 1 s and keeps reconciling', async () => {
    const leader = await leaderIndex();
    expect(leader).toBeGreaterThanOrEqual(0);
    const before = await client.resource<Lease>(LEASES).namespace('kube-system').get('kube-controller-manager');
    await managers[leader]!.proc.kill();
    const killedAt = Date.now();
    await waitFor(async () => (await leaderIndex()) >= 0, 'the standby to lead', LEASE_MS + 10_000, 50);
    const took = Date.now() - killedAt;
    console.log(`controller-manager failover: ${took} ms after the leader was killed (lease ${LEASE_MS} ms)`);
    expect(took).toBeLessThanOrEqual(LEASE_MS + 1000);
    const after = await client.resource<Lease>(LEASES).namespace('kube-system').get('kube-controller-manager');
    expect(after.spec?.holderIdentity).not.toBe(before.spec?.holderIdentity);
    await kubectlOk(['scale', 'deployment', 'web', '--replicas=4']);
    expect(await kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=60s'])).toContain('successfully rolled out');
    await waitFor(async () => (await pods('app=web')).filter((p) => p.metadata?.deletionTimestamp === undefined).length === 4, 'exactly 4 pods', 30_000, 200);
  });

  test('delete deployment: its ReplicaSets and pods are collected', async () => {
    await kubectlOk(['delete', 'deployment', 'web']);
    await waitFor(async () => (await pods('app=web')).length === 0 && (await client.resource<ReplicaSet>(RSS).namespace('default').list({ labelSelector: 'app=web' })).items.length === 0, 'web collected', 60_000, 200);
  });

  test('a leader that cannot renew its lease exits (the apiserver frozen past the renew deadline)', async () => {
    await startManager();
    const leader = await leaderIndex();
    expect(leader).toBeGreaterThanOrEqual(0);
    const apiserver = cp.apiserver.proc.child;
    apiserver.kill('SIGSTOP');
    try {
      const code = await Promise.race([managers[leader]!.proc.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 6000))]);
      expect(code).toBe(1);
    } finally {
      apiserver.kill('SIGCONT');
    }
    expect(await managers[leader]!.proc.tail(50)).toContain('leaderelection lost');
    await waitFor(async () => (await leaderIndex()) >= 0 && (await leaderIndex()) !== leader, 'the standby to lead', LEASE_MS + 10_000, 200);
  });
});
