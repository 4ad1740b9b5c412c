// A kubelet (user system:node:<name>, group system:nodes) may write only its own Node and the pods
// bound to it: the NodeRestriction admission check, applied by the registry.
import { RealClock } from '@kubemu/base';
import { extensions } from './security';
import { startTestApiServer } from './test-apiserver';
import type { TestApiServer } from './test-apiserver';

let api: TestApiServer;

beforeAll(async () => {
  api = await startTestApiServer({
    ext: extensions(
      {
        // The test names the caller in a header; everyone is authorized, so only admission decides.
        authenticate: (h) => {
          const who = String(h['x-test-user'] ?? 'admin');
          return Promise.resolve(who.startsWith('system:node:') ? { username: who, groups: ['system:nodes', 'system:authenticated'] } : { username: who, groups: ['system:masters'] });
        },
        authorize: () => Promise.resolve(undefined),
      },
      new RealClock(),
    ),
  });
  await api.request('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
});

afterAll(async () => {
  await api.stop();
});

const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
const as = (n: string) => ({ 'x-test-user': `system:node:${n}` });

test('a node creates and updates only its own Node', async () => {
  expect((await api.request('POST', '/api/v1/nodes', node('n1'), as('n1'))).status).toBe(201);
  const other = await api.request('POST', '/api/v1/nodes', node('n2'), as('n1'));
  expect(other.status).toBe(403);
  expect(other.body.message).toContain('node "n1" is not allowed to modify node "n2"');
  expect((await api.request('GET', '/api/v1/nodes/n2')).status).toBe(404);
});

test('a node updates the status of pods bound to it, not of others', async () => {
  const pod = (name: string, nodeName: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } });
  await api.request('POST', '/api/v1/namespaces/default/pods', pod('mine', 'n1'));
  await api.request('POST', '/api/v1/namespaces/default/pods', pod('theirs', 'n2'));
  const mine = (await api.request('GET', '/api/v1/namespaces/default/pods/mine')).body;
  const theirs = (await api.request('GET', '/api/v1/namespaces/default/pods/theirs')).body;
  const ok = await api.request('PUT', '/api/v1/namespaces/default/pods/mine/status', { ...mine, status: { phase: 'Running' } }, as('n1'));
  expect(ok.status).toBe(200);
  expect(ok.body.status.phase).toBe('Running');
  const no = await api.request('PUT', '/api/v1/namespaces/default/pods/theirs/status', { ...theirs, status: { phase: 'Running' } }, as('n1'));
  expect(no.status).toBe(403);
  expect((await api.request('GET', '/api/v1/namespaces/default/pods/theirs')).body.status.phase).toBe('Pending');
  expect((await api.request('DELETE', '/api/v1/namespaces/default/pods/theirs', undefined, as('n1'))).status).toBe(403);
});
