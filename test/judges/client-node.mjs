// The @kubernetes/client-node judge: a real Kubernetes client library (1.4, ESM-only, so it runs as
// its own node process rather than under jest's CommonJS transform) lists, creates, reads,
// replaces, deletes, watches and runs an informer against the apiserver named by a kubeconfig
// (HTTPS, CA and bearer token). It prints one JSON document of what it saw on stdout; the jest
// test (test/apiserver-client-node.test.ts) asserts on it. It asserts nothing itself.
//
// Usage: node test/judges/client-node.mjs <kubeconfig> <namespace>
import * as k8s from '@kubernetes/client-node';

const [kubeconfig, ns] = process.argv.slice(2);
if (!kubeconfig || !ns) {
  console.error('usage: client-node.mjs <kubeconfig> <namespace>');
  process.exit(2);
}

const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
const out = {};

/** An ApiException as data: its HTTP code and the Status the server sent. */
async function failureOf(promise) {
  try {
    await promise;
    return { code: 0 };
  } catch (err) {
    if (!(err instanceof k8s.ApiException)) return { code: -1, error: String(err) };
    let body = err.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        // keep the text
      }
    }
    return { code: err.code, body };
  }
}

/**
 * Runs one part of the judgement; a throw is recorded under `errors.<name>` and the next part
 * still runs, so one broken behaviour does not hide the others.
 */
async function section(name, fn) {
  try {
    await fn();
  } catch (err) {
    (out.errors ??= {})[name] = String(err?.stack ?? err).slice(0, 1500);
  }
}

const within = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms).unref());

async function main() {
  await section('setup', setup);
  await section('pods', pods);
  await section('failures', failures);
  await section('typed', typed);
  await section('watch', watchConfigMaps);
  await section('informer', informer);
  await section('podDelete', podDelete);
}

async function setup() {
  out.namespaces = (await core.listNamespace()).items.map((n) => n.metadata.name);
  const createdNs = await core.createNamespace({ body: { metadata: { name: ns } } });
  out.namespace = { name: createdNs.metadata.name, phase: createdNs.status?.phase };
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'default' } } });
}

async function pods() {
  // Pods: create (with the admission the server applies), read, list.
  const pod = await core.createNamespacedPod({
    namespace: ns,
    body: { metadata: { name: 'web', labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] } },
  });
  out.pod = {
    name: pod.metadata.name,
    uid: pod.metadata.uid,
    createdIsDate: pod.metadata.creationTimestamp instanceof Date,
    phase: pod.status?.phase,
    qosClass: pod.status?.qosClass,
    serviceAccountName: pod.spec.serviceAccountName,
    restartPolicy: pod.spec.restartPolicy,
    cpuRequest: pod.spec.containers[0].resources?.requests?.cpu,
    tokenVolume: (pod.spec.volumes ?? []).some((v) => v.name.startsWith('kube-api-access-') && v.projected !== undefined),
  };
  const read = await core.readNamespacedPod({ namespace: ns, name: 'web' });
  out.podRead = { uid: read.metadata.uid, resourceVersion: read.metadata.resourceVersion };
  const list = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
  out.podList = { names: list.items.map((p) => p.metadata.name), resourceVersion: list.metadata.resourceVersion };
}

async function failures() {
  // Failures, as ApiException with the server's Status.
  out.notFound = await failureOf(core.readNamespacedPod({ namespace: ns, name: 'nope' }));
  out.alreadyExists = await failureOf(core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'x' }] } } }));
  out.invalid = await failureOf(core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'Not_Valid' } } }));
}

async function typed() {
  // A Deployment and a Lease: typed models with nested templates and MicroTime fields.
  const dep = await apps.createNamespacedDeployment({
    namespace: ns,
    body: { metadata: { name: 'api' }, spec: { replicas: 2, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'api:1' }] } } } },
  });
  out.deployment = { generation: dep.metadata.generation, replicas: dep.spec.replicas, strategy: dep.spec.strategy?.type };
  // A MicroTime must be sent as V1MicroTime (six fractional digits); client-node 1.4 hands the
  // server's text back as is. A plain Date (three digits) is what kube-apiserver refuses with 400.
  const now = new k8s.V1MicroTime();
  const lease = await coordination.createNamespacedLease({ namespace: ns, body: { metadata: { name: 'leader' }, spec: { holderIdentity: 'judge', leaseDurationSeconds: 15, renewTime: now } } });
  out.lease = { holder: lease.spec.holderIdentity, renewTime: String(lease.spec.renewTime), sent: now.toISOString() };
  out.leaseMillis = await failureOf(coordination.createNamespacedLease({ namespace: ns, body: { metadata: { name: 'millis' }, spec: { renewTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)) } } }));
}

async function watchConfigMaps() {
  // Watch from a list's resourceVersion while configmaps are created, replaced and deleted.
  const cmList = await core.listNamespacedConfigMap({ namespace: ns });
  const events = [];
  let watchDone;
  const sawAll = new Promise((resolve) => (watchDone = resolve));
  const watch = new k8s.Watch(kc);
  let stopping = false;
  const ctl = await watch.watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: cmList.metadata.resourceVersion }, (type, obj) => {
    events.push({ type, name: obj.metadata?.name, v: obj.data?.v });
    if (events.length >= 3) watchDone();
  }, (err) => {
    // Our own abort below ends the watch with an AbortError: not the server's doing.
    if (err && !stopping) events.push({ type: 'error', error: String(err) });
    watchDone();
  });
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cfg' }, data: { v: '1' } } });
  const cfg = await core.readNamespacedConfigMap({ namespace: ns, name: 'cfg' });
  await core.replaceNamespacedConfigMap({ namespace: ns, name: 'cfg', body: { ...cfg, data: { v: '2' } } });
  out.conflict = await failureOf(core.replaceNamespacedConfigMap({ namespace: ns, name: 'cfg', body: { ...cfg, data: { v: '3' } } }));
  await core.deleteNamespacedConfigMap({ namespace: ns, name: 'cfg' });
  await Promise.race([sawAll, within(15_000, 'watch events')]).catch((err) => events.push({ type: 'timeout', error: String(err) }));
  stopping = true;
  ctl.abort();
  out.watchEvents = events;
}

async function informer() {
  // An informer: list, then watch; sees objects that exist and objects created later.
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'before' }, data: { v: 'b' } } });
  const inf = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/configmaps`, () => core.listNamespacedConfigMap({ namespace: ns }));
  const seen = [];
  let sawLater;
  const later = new Promise((resolve) => (sawLater = resolve));
  inf.on('add', (obj) => {
    seen.push(`add:${obj.metadata.name}`);
    if (obj.metadata.name === 'after') sawLater();
  });
  inf.on('update', (obj) => seen.push(`update:${obj.metadata.name}`));
  inf.on('delete', (obj) => seen.push(`delete:${obj.metadata.name}`));
  let stopping = false;
  inf.on('error', (err) => {
    if (!stopping) seen.push(`error:${String(err)}`);
  });
  await inf.start();
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after' }, data: { v: 'a' } } });
  await Promise.race([later, within(15_000, 'informer add')]).catch((err) => seen.push(`timeout:${String(err)}`));
  out.informer = { events: seen, cached: inf.list(ns).map((o) => o.metadata.name).sort() };
  stopping = true;
  await inf.stop();
}

async function podDelete() {
  // An unscheduled pod goes at once; a pod bound to a node is deleted gracefully (its kubelet
  // would finish the deletion; here none runs, so it stays with a deletionTimestamp).
  const unscheduled = await core.deleteNamespacedPod({ namespace: ns, name: 'web' });
  out.podDelete = { name: unscheduled.metadata?.name, deletionTimestamp: unscheduled.metadata?.deletionTimestamp ?? null };
  out.podDeleteThenRead = await failureOf(core.readNamespacedPod({ namespace: ns, name: 'web' }));
  await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'bound' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
  await core.createNamespacedPodBinding({ namespace: ns, name: 'bound', body: { metadata: { name: 'bound' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } } });
  const bound = await core.readNamespacedPod({ namespace: ns, name: 'bound' });
  const graceful = await core.deleteNamespacedPod({ namespace: ns, name: 'bound' });
  out.boundDelete = {
    nodeName: bound.spec.nodeName,
    deletionTimestampIsDate: graceful.metadata?.deletionTimestamp instanceof Date,
    grace: graceful.metadata?.deletionGracePeriodSeconds,
  };
}

main()
  .then(() => {
    console.log(JSON.stringify(out));
    process.exit(0);
  })
  .catch((err) => {
    console.log(JSON.stringify({ ...out, fatal: String(err?.stack ?? err) }));
    process.exit(1);
  });
