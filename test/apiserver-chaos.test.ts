// Chaos under the apiserver, judged by kubectl: the store leader is SIGKILLed while kubectl applies
// objects in a loop (requests may fail with a retriable error during the election; nothing
// acknowledged may be lost), and one apiserver replica is killed while clients of the other go on.
import { ApiServerCluster, haveKubectl } from './support/apiserver-cluster';
import { haveEtcdctl } from './support/kvstore-cluster';
import { sleep, waitFor } from './support/kubemu-project';

const maybe = haveKubectl && haveEtcdctl ? describe : describe.skip;
if (!haveKubectl || !haveEtcdctl) console.warn('apiserver-chaos skipped: kubectl or etcdctl not found');

const ETCD = ['etcd-0', 'etcd-1', 'etcd-2'];

const configMap = (name: string, i: number): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  i: "${i}"\n`;

/** What kubectl prints when the apiserver said the store is unavailable, or the call timed out. */
const RETRIABLE = /ServiceUnavailable|storage is \(re\)initializing|unavailable|timeout|Timeout|deadline|connection refused|EOF|leader/;

maybe('apiserver chaos', () => {
  let c: ApiServerCluster;

  beforeAll(async () => {
    c = await ApiServerCluster.start('achaos');
  }, 150_000);

  afterAll(async () => {
    await c?.down();
  }, 60_000);

  /** The member every member names as leader, from etcdctl endpoint status. */
  async function storeLeader(): Promise<string> {
    return waitFor('one store leader', async () => {
      const r = await c.etcdctl(['endpoint', 'status', '-w', 'json']);
      if (r.code !== 0) return undefined;
      const statuses = JSON.parse(r.stdout) as { Endpoint: string; Status: { header: { member_id: number | string }; leader: number | string } }[];
      const leaders = new Set(statuses.map((s) => String(s.Status.leader)));
      if (leaders.size !== 1) return undefined;
      const leader = statuses.find((s) => String(s.Status.header.member_id) === [...leaders][0]);
      return ETCD.find((n) => leader?.Endpoint.includes(c.address(n)));
    }, 30_000, 250);
  }

  test('SIGKILL of the store leader while kubectl applies in a loop: nothing acknowledged is lost', async () => {
    const leader = await storeLeader();
    const acked: string[] = [];
    const failed: { name: string; err: string }[] = [];
    let stop = false;
    const loop = (async () => {
      for (let i = 0; !stop && i < 400; i++) {
        const name = `chaos-${i}`;
        const r = await c.kubectl(['apply', '-f', '-'], { input: configMap(name, i), timeoutMs: 60_000 });
        if (r.code === 0) acked.push(name);
        else failed.push({ name, err: `${r.stdout}${r.stderr}` });
      }
    })();
    await sleep(1500);
    const before = acked.length;
    const killedAt = Date.now();
    await c.project.must('kill', leader, '--signal', 'KILL');
    // Writes resume under a new leader: wait for a few more acknowledgements, then stop the loop.
    await waitFor('writes after the leader was killed', async () => (acked.length >= before + 10 ? true : undefined), 60_000, 200);
    const resumedMs = Date.now() - killedAt;
    stop = true;
    await loop;
    await c.project.must('start', leader);
    console.log(`store leader ${leader} killed: ${acked.length} applies acknowledged, ${failed.length} failed, writes resumed within ${resumedMs} ms`);
    for (const f of failed) expect(f.err).toMatch(RETRIABLE);
    // Every acknowledged object is there, read through the other replica and straight from the store.
    const listed = new Set((await c.kubectlOk(['get', 'configmaps', '-o', 'name'], { via: 'apiserver-1' })).trim().split('\n'));
    const missing = acked.filter((n) => !listed.has(`configmap/${n}`));
    expect(missing).toEqual([]);
    const keys = await c.etcdctl(['get', '/registry/configmaps/default/chaos-', '--prefix', '--keys-only']);
    for (const n of acked) expect(keys.stdout).toContain(`/registry/configmaps/default/${n}\n`);
  }, 240_000);

  test('one apiserver replica killed: clients of the other keep working, and it comes back', async () => {
    await c.project.must('kill', 'apiserver-1', '--signal', 'KILL');
    for (let i = 0; i < 5; i++) {
      expect(await c.kubectlOk(['create', 'configmap', `survivor-${i}`, '--from-literal=k=v'])).toBe(`configmap/survivor-${i} created\n`);
    }
    expect(await c.kubectlOk(['get', 'configmap', 'survivor-4', '-o', 'jsonpath={.data.k}'])).toBe('v');
    const down = await c.kubectl(['get', 'configmaps'], { via: 'apiserver-1', timeoutMs: 15_000 });
    expect(down.code).not.toBe(0);
    await c.project.must('start', 'apiserver-1');
    await waitFor('apiserver-1 serving again', async () => {
      const r = await c.kubectl(['get', 'configmap', 'survivor-4', '-o', 'name'], { via: 'apiserver-1', timeoutMs: 10_000 });
      return r.code === 0 && r.stdout === 'configmap/survivor-4\n' ? true : undefined;
    }, 60_000, 500);
  }, 120_000);
});
