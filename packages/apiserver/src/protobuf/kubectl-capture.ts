// Test support: runs the real kubectl against a stand-in apiserver on 127.0.0.1 and records the
// protobuf bodies it POSTs, next to the object `kubectl ... --dry-run=client -o json` prints for the
// same command. Used by kubectl-live.test.ts (which also rewrites testdata/ when
// KUBEMU_CAPTURE_GOLDEN=1) — not part of the package's public surface. The commands and the
// objects the stand-in serves are in kubectl-fixtures.ts.
//
// The stand-in serves exactly what kubectl 1.32 needs for these commands: /version (the gcloud
// kubectl dispatcher picks the kubectl minor from it), legacy discovery (/api, /api/v1, /apis,
// /apis/<group>/<version>), GET of the objects some commands read first (STAND_IN_OBJECTS), and
// POST, which it answers 201 with the decoded object (or the decoder's Status and code).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeKubernetesProtobuf } from './decode';
import { BINARY_FILE_BYTES, STAND_IN_OBJECTS } from './kubectl-fixtures';

export interface CapturedRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  readonly body: Buffer;
}

/** [resource, kind, namespaced] or, for a subresource, also the group/version of its kind. */
type Resource = readonly [name: string, kind: string, namespaced: boolean, kindGroupVersion?: string];

const DISCOVERY: Readonly<Record<string, readonly Resource[]>> = {
  v1: [
    ['pods', 'Pod', true],
    ['pods/eviction', 'Eviction', true, 'policy/v1'],
    ['services', 'Service', true],
    ['configmaps', 'ConfigMap', true],
    ['secrets', 'Secret', true],
    ['namespaces', 'Namespace', false],
    ['nodes', 'Node', false],
    ['serviceaccounts', 'ServiceAccount', true],
    ['serviceaccounts/token', 'TokenRequest', true, 'authentication.k8s.io/v1'],
  ],
  'apps/v1': [
    ['deployments', 'Deployment', true],
    ['deployments/scale', 'Scale', true, 'autoscaling/v1'],
  ],
  'batch/v1': [
    ['jobs', 'Job', true],
    ['cronjobs', 'CronJob', true],
  ],
  'rbac.authorization.k8s.io/v1': [
    ['roles', 'Role', true],
    ['rolebindings', 'RoleBinding', true],
    ['clusterroles', 'ClusterRole', false],
    ['clusterrolebindings', 'ClusterRoleBinding', false],
  ],
  'authorization.k8s.io/v1': [['selfsubjectaccessreviews', 'SelfSubjectAccessReview', false]],
  'authentication.k8s.io/v1': [['selfsubjectreviews', 'SelfSubjectReview', false]],
  'autoscaling/v1': [['horizontalpodautoscalers', 'HorizontalPodAutoscaler', true]],
  'policy/v1': [['poddisruptionbudgets', 'PodDisruptionBudget', true]],
};

function resourceList(groupVersion: string, resources: readonly Resource[]): object {
  const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: resources.map(([name, kind, namespaced, kindGroupVersion]) => {
      const [group, version] = kindGroupVersion === undefined ? [] : kindGroupVersion.split('/');
      return { name, singularName: name.includes('/') ? '' : kind.toLowerCase(), namespaced, kind, verbs, ...(group === undefined ? {} : { group, version }) };
    }),
  };
}

function discovery(path: string): object | undefined {
  if (path === '/version') return { major: '1', minor: '32', gitVersion: 'v1.32.4', platform: 'linux/amd64' };
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
  if (path === '/api/v1') return resourceList('v1', DISCOVERY['v1'] ?? []);
  const groups = Object.keys(DISCOVERY).filter((gv) => gv.includes('/'));
  if (path === '/apis') {
    const list = groups.map((gv) => {
      const [name = '', version = ''] = gv.split('/');
      return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
    });
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: list };
  }
  const gv = groups.find((g) => path === `/apis/${g}`);
  if (gv !== undefined) return resourceList(gv, DISCOVERY[gv] ?? []);
  return Object.hasOwn(STAND_IN_OBJECTS, path) ? STAND_IN_OBJECTS[path] : undefined;
}

function reply(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export interface StandInServer {
  readonly port: number;
  readonly posts: CapturedRequest[];
  close(): Promise<void>;
}

/** Starts the stand-in apiserver on an ephemeral 127.0.0.1 port. */
export async function startStandIn(): Promise<StandInServer> {
  const posts: CapturedRequest[] = [];
  const evicted = new Set<string>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (req.method === 'POST' && path.endsWith('/eviction')) evicted.add(path.slice(0, -'/eviction'.length));
      if (req.method === 'POST') {
        const body = Buffer.concat(chunks);
        posts.push({ method: 'POST', path, contentType: req.headers['content-type'], accept: req.headers['accept'], body });
        // kubectl's typed clients send protobuf; `kubectl run` (the dynamic client) and
        // `kubectl drain` (its eviction client) send JSON, which is echoed as it came.
        if ((req.headers['content-type'] ?? '').startsWith('application/json')) {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(body);
          return;
        }
        const decoded = decodeKubernetesProtobuf(body);
        if (decoded.ok) reply(res, 201, decoded.object);
        else reply(res, decoded.status.code ?? 400, decoded.status);
        return;
      }
      // GET serves discovery and the fixtures; PATCH (kubectl drain cordons the node) answers
      // with the object unchanged; an evicted pod is gone.
      const found = (req.method === 'GET' || req.method === 'PATCH') && !evicted.has(path) ? discovery(path) : undefined;
      if (found !== undefined) reply(res, 200, found);
      else reply(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `${path} not found`, reason: 'NotFound', code: 404 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, posts, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface KubectlEnv {
  readonly dir: string;
  readonly binaryFile: string;
  run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  dispose(): void;
}

/**
 * A throwaway HOME (kubectl caches discovery under it) with an insecure kubeconfig pointing at
 * http://127.0.0.1:<port>. Over plain http kubectl sends no credentials, which is what we want.
 */
export function kubectlEnv(port: number, kubectl = process.env['KUBECTL'] ?? 'kubectl'): KubectlEnv {
  const dir = mkdtempSync(join(tmpdir(), 'kubemu-kubectl-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- cluster: {server: "http://127.0.0.1:${port}"}`,
      '  name: stand-in',
      'contexts:',
      '- context: {cluster: stand-in, user: nobody, namespace: default}',
      '  name: stand-in',
      'current-context: stand-in',
      'users:',
      '- name: nobody',
      '  user: {}',
      '',
    ].join('\n'),
  );
  const binaryFile = join(dir, 'blob.bin');
  writeFileSync(binaryFile, BINARY_FILE_BYTES);
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: kubeconfig };
  return {
    dir,
    binaryFile,
    run: (args) =>
      new Promise((resolve) => {
        execFile(kubectl, [...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
          resolve({ code, stdout, stderr });
        });
      }),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
