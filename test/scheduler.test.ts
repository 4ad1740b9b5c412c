/**
 * kube-scheduler end to end: a store and the apiserver as processes, simulated nodes (testkit),
 * and two scheduler replicas (`node packages/scheduler/dist/main.js`) leader-elected through the
 * Lease kube-system/kube-scheduler. Pods are created with kubectl and judged by what kubectl shows
 * (the node a pod landed on, its events and PodScheduled condition). The last test kills the
 * leader with SIGKILL and times the standby's takeover.
 *
 * Nodes (2 cpu, 4Gi each):   node-a  disk=ssd, zone z1
 *                            node-b  zone z1
 *                            node-c  zone z2
 *                            node-t  zone z2, tainted dedicated=special:NoSchedule
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { RealClock, SeededRng, silentLogger } from '@kubemu/base';
import type { Lease, Pod } from '@kubemu/api';
import { RestClient, loadRestConfig } from '@kubemu/client';
import { REPO_ROOT, SimulatedNodes, freePort, startComponent, startControlPlane, waitFor } from '@kubemu/testkit';
import type { ControlPlane, Proc } from '@kubemu/testkit';

jest.setTimeout(120_000);

const SCHEDULER_MAIN = path.join(REPO_ROOT, 'packages', 'scheduler', 'dist', 'main.js');
const APISERVER_MAIN = path.join(REPO_ROOT, 'packages', 'apiserver', 'dist', 'main.js');
const haveKubectl = existsSync('/usr/bin/kubectl') || (process.env.PATH ?? '').split(':').some((d) => existsSync(path.join(d, 'kubectl')));
const ready = haveKubectl && existsSync(SCHEDULER_MAIN) && existsSync(APISERVER_MAIN);
if (!ready) console.warn('scheduler e2e skipped: needs kubectl and built packages (npx tsc -b packages/scheduler packages/apiserver)');
const maybe = ready ? describe : describe.skip;

/** Lease timing for the failover test: takeover must come within LEASE_MS + 1 s of the kill. */
const LEASE_MS = 5000;

const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true } as const;
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true } as const;

let cp: ControlPlane;
let client: RestClient;
let nodes: SimulatedNodes;
const schedulers: { proc: Proc; port: number }[] = [];

function kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', [`--kubeconfig=${cp.kubeconfig}`, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function kubectlOk(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

type PodSpec = NonNullable<Pod['spec']>;

function podManifest(name: string, spec: Partial<PodSpec> = {}, labels: Record<string, string> = {}, cpu = '100m'): string {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { test: 'scheduler', ...labels } },
    spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu, memory: '64Mi' } } }], ...spec },
  };
  return JSON.stringify(pod);
}

async function createPod(name: string, spec: Partial<PodSpec> = {}, labels: Record<string, string> = {}, cpu = '100m'): Promise<void> {
  await kubectlOk(['create', '-f', '-'], podManifest(name, spec, labels, cpu));
}

async function getPod(name: string): Promise<Pod> {
  return JSON.parse(await kubectlOk(['get', 'pod', name, '-o', 'json'])) as Pod;
}

async function nodeOf(name: string, timeoutMs = 20_000): Promise<string> {
  let node = '';
  await waitFor(async () => (node = (await getPod(name)).spec?.nodeName ?? '') !== '', `pod ${name} to be scheduled`, timeoutMs, 200);
  return node;
}

/** The FailedScheduling message kubectl shows for the pod (waits for the first one). */
async function failedScheduling(name: string): Promise<string> {
  let message = '';
  await waitFor(
    async () => {
      const out = await kubectlOk(['get', 'events', '--field-selector', `involvedObject.name=${name},reason=FailedScheduling`, '-o', 'jsonpath={.items[*].message}']);
      message = out.trim();
      return message !== '';
    },
    `FailedScheduling for ${name}`,
    20_000,
    200,
  );
  return message;
}

async function leaderIndex(): Promise<number> {
  for (const [i, s] of schedulers.entries()) {
    if (s.proc.child.exitCode !== null || s.proc.child.signalCode !== null) continue;
    const text = await fetch(`http://127.0.0.1:${s.port}/metrics`).then((r) => r.text(), () => '');
    if (/^leader_election_master_status\{name="kube-scheduler"\} 1$/m.test(text)) return i;
  }
  return -1;
}

async function startScheduler(i: number): Promise<void> {
  const port = await freePort();
  const proc = startComponent(`scheduler-${i}`, 'scheduler', [
    `--kubeconfig=${cp.kubeconfig}`,
    '--leader-elect=true',
    `--leader-elect-lease-duration=${LEASE_MS}ms`,
    '--leader-elect-renew-deadline=2s',
    '--leader-elect-retry-period=200ms',
    '--leader-elect-resource-namespace=kube-system',
    '--leader-elect-resource-name=kube-scheduler',
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
  ], cp.dir);
  schedulers.push({ proc, port });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, `scheduler-${i} healthz`, 30_000, 200);
}

maybe('kube-scheduler against a real apiserver with simulated nodes', () => {
  beforeAll(async () => {
    cp = await startControlPlane('kubemu-sched-e2e-');
    client = RestClient.fromConfig(loadRestConfig({ kubeconfig: cp.kubeconfig }), { qps: 200, burst: 400 });
    // Pods need the `default` ServiceAccount (admission); the serviceaccount controller is not running here.
    await kubectl(['create', 'serviceaccount', 'default']);
    const zones: Record<string, string> = { 'node-a': 'z1', 'node-b': 'z1', 'node-c': 'z2', 'node-t': 'z2' };
    nodes = new SimulatedNodes({
      client,
      clock: new RealClock(),
      rng: new SeededRng(5),
      log: silentLogger(),
      names: ['node-a', 'node-b', 'node-c', 'node-t'],
      shape: { cpu: '2', memory: '4Gi', pods: '110' },
      labels: (name) => ({ 'topology.kubernetes.io/zone': zones[name]!, ...(name === 'node-a' ? { disk: 'ssd' } : {}) }),
      taints: (name) => (name === 'node-t' ? [{ key: 'dedicated', value: 'special', effect: 'NoSchedule' }] : []),
      podStartDelayMs: 200,
    });
    await nodes.start();
    await startScheduler(0);
    await startScheduler(1);
    await waitFor(async () => (await leaderIndex()) >= 0, 'a scheduler leader', 30_000, 200);
  }, 120_000);

  afterAll(async () => {
    await nodes?.stop();
    for (const s of schedulers) await s.proc.stop();
    client?.close();
    await cp?.stop();
  }, 60_000);

  test('resources: a pod lands where its requests fit; one that fits nowhere is explained', async () => {
    await createPod('fits', {}, {}, '1500m');
    expect(['node-a', 'node-b', 'node-c']).toContain(await nodeOf('fits'));
    // 2.5 cpu fits on no 2-cpu node; node-t is excluded by its taint first.
    await createPod('too-big', {}, {}, '2500m');
    const message = await failedScheduling('too-big');
    expect(message).toBe(
      '0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: special}, 3 Insufficient cpu. ' +
        'preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.',
    );
    await waitFor(async () => (await getPod('too-big')).status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') === true, 'the PodScheduled condition');
    const cond = (await getPod('too-big')).status?.conditions?.find((c) => c.type === 'PodScheduled');
    expect(cond).toMatchObject({ status: 'False', reason: 'Unschedulable', message });
    expect((await getPod('too-big')).spec?.nodeName).toBeUndefined();
    await kubectlOk(['delete', 'pod', 'fits', 'too-big', '--wait=false']);
  });

  test('nodeSelector: every replica lands on the labeled node', async () => {
    for (let i = 0; i < 4; i++) await createPod(`ssd-${i}`, { nodeSelector: { disk: 'ssd' } });
    for (let i = 0; i < 4; i++) expect(await nodeOf(`ssd-${i}`)).toBe('node-a');
    // And it goes Running on that node (the simulated kubelet).
    await waitFor(async () => (await getPod('ssd-0')).status?.phase === 'Running', 'ssd-0 Running');
  });

  test('node affinity: NotIn z1 keeps the pod out of the zone; no match at all is explained', async () => {
    const notZ1 = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'NotIn', values: ['z1'] }] }] } } };
    for (let i = 0; i < 3; i++) await createPod(`not-z1-${i}`, { affinity: notZ1 });
    for (let i = 0; i < 3; i++) expect(await nodeOf(`not-z1-${i}`)).toBe('node-c');
    await createPod('no-gpu-node', { nodeSelector: { gpu: 'true' } });
    expect(await failedScheduling('no-gpu-node')).toBe(
      "0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: special}, 3 node(s) didn't match Pod's node affinity/selector. " +
        'preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.',
    );
  });

  test('pod anti-affinity spreads replicas over hosts; pod affinity follows its target into the zone', async () => {
    const apart = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'apart' } }, topologyKey: 'kubernetes.io/hostname' }] } };
    for (let i = 0; i < 3; i++) await createPod(`apart-${i}`, { affinity: apart }, { app: 'apart' });
    const hosts = await Promise.all([0, 1, 2].map((i) => nodeOf(`apart-${i}`)));
    expect(new Set(hosts)).toEqual(new Set(['node-a', 'node-b', 'node-c']));
    await createPod('apart-3', { affinity: apart }, { app: 'apart' });
    expect(await failedScheduling('apart-3')).toBe(
      "0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: special}, 3 node(s) didn't match pod anti-affinity rules. " +
        'preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.',
    );

    await createPod('cache', { nodeSelector: { 'kubernetes.io/hostname': 'node-c' } }, { app: 'cache' });
    expect(await nodeOf('cache')).toBe('node-c');
    const nearCache = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: 'topology.kubernetes.io/zone' }] } };
    // z2 is node-c and the tainted node-t: every replica must land on node-c.
    for (let i = 0; i < 3; i++) await createPod(`near-cache-${i}`, { affinity: nearCache });
    for (let i = 0; i < 3; i++) expect(await nodeOf(`near-cache-${i}`)).toBe('node-c');
  });

  test('taints and tolerations: only a tolerating pod lands on the tainted node', async () => {
    const onT = { nodeSelector: { 'kubernetes.io/hostname': 'node-t' } };
    await createPod('tolerates', { ...onT, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'special', effect: 'NoSchedule' }] });
    expect(await nodeOf('tolerates')).toBe('node-t');
    await createPod('intolerant', onT);
    expect(await failedScheduling('intolerant')).toBe(
      "0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: special}, 3 node(s) didn't match Pod's node affinity/selector. " +
        'preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.',
    );
    // Removing the taint lets the pending pod in (a node update moves it back to the active queue).
    await kubectlOk(['taint', 'nodes', 'node-t', 'dedicated=special:NoSchedule-']);
    expect(await nodeOf('intolerant')).toBe('node-t');
  });

  test('Scheduled events say where each pod went', async () => {
    const out = await kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=ssd-0,reason=Scheduled', '-o', 'jsonpath={.items[*].message}']);
    expect(out.trim()).toBe('Successfully assigned default/ssd-0 to node-a');
  });

  test('failover: kill -9 the leader; the standby binds pending pods within the lease duration + 1 s', async () => {
    const leader = await leaderIndex();
    expect(leader).toBeGreaterThanOrEqual(0);
    const standby = 1 - leader;
    const lease = await client.resource<Lease>(LEASES).namespace('kube-system').get('kube-scheduler');
    expect(lease.spec?.holderIdentity).toBeTruthy();
    await schedulers[leader]!.proc.kill();
    const killedAt = Date.now();
    for (let i = 0; i < 5; i++) await createPod(`after-failover-${i}`);
    await waitFor(
      async () => {
        const list = await client.resource<Pod>(PODS).namespace('default').list({ labelSelector: 'test=scheduler' });
        return [0, 1, 2, 3, 4].every((i) => (list.items.find((p) => p.metadata?.name === `after-failover-${i}`)?.spec?.nodeName ?? '') !== '');
      },
      'pods bound by the standby',
      LEASE_MS + 10_000,
      50,
    );
    const took = Date.now() - killedAt;
    console.log(`failover: pending pods bound ${took} ms after the leader was killed (lease ${LEASE_MS} ms)`);
    expect(took).toBeLessThanOrEqual(LEASE_MS + 1000);
    expect(await leaderIndex()).toBe(standby);
    const after = await client.resource<Lease>(LEASES).namespace('kube-system').get('kube-scheduler');
    expect(after.spec?.holderIdentity).not.toBe(lease.spec?.holderIdentity);
    expect(after.spec?.leaseTransitions).toBe((lease.spec?.leaseTransitions ?? 0) + 1);
  });

  test('a leader that cannot renew its lease exits (the apiserver frozen past the renew deadline)', async () => {
    await startScheduler(schedulers.length); // a new standby next to the current leader
    const leader = await leaderIndex();
    expect(leader).toBeGreaterThanOrEqual(0);
    const apiserver = cp.apiserver.proc.child;
    apiserver.kill('SIGSTOP');
    try {
      // --leader-elect-renew-deadline=2s: the leader gives up and exits with status 1.
      const code = await Promise.race([schedulers[leader]!.proc.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 6000))]);
      expect(code).toBe(1);
    } finally {
      apiserver.kill('SIGCONT');
    }
    expect(await schedulers[leader]!.proc.tail(50)).toContain('leaderelection lost');
    await waitFor(async () => (await leaderIndex()) >= 0 && (await leaderIndex()) !== leader, 'the standby to lead', LEASE_MS + 10_000, 200);
    await createPod('after-freeze');
    expect(['node-a', 'node-b', 'node-c', 'node-t']).toContain(await nodeOf('after-freeze'));
  });
});
