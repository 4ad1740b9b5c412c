import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeConfigError, loadRestConfig } from './kubeconfig';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubemu-kubeconfig-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
};

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: admin@kubemu
clusters:
- name: kubemu
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority: pki/ca.crt
- name: other
  cluster:
    server: https://10.0.0.1:6443
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    client-certificate-data: ${Buffer.from('CERT').toString('base64')}
    client-key-data: ${Buffer.from('KEY').toString('base64')}
- name: robot
  user:
    tokenFile: robot.token
contexts:
- name: admin@kubemu
  context: { cluster: kubemu, user: admin, namespace: team }
- name: robot@other
  context: { cluster: other, user: robot }
`;

describe('loadRestConfig', () => {
  it('reads the current context, resolving file paths against the kubeconfig directory', () => {
    write('pki/ca.crt', 'CA');
    const file = write('config', KUBECONFIG);
    expect(loadRestConfig({ kubeconfig: file, env: {} })).toEqual({
      server: 'https://127.0.0.1:6443',
      caPem: 'CA',
      certPem: 'CERT',
      keyPem: 'KEY',
      namespace: 'team',
    });
  });

  it('honours --context and --master', () => {
    write('pki/ca.crt', 'CA');
    const file = write('config', KUBECONFIG);
    expect(loadRestConfig({ kubeconfig: file, context: 'robot@other', master: 'https://lb:443', env: {} })).toEqual({
      server: 'https://lb:443',
      insecureSkipTlsVerify: true,
      tokenFile: path.join(dir, 'robot.token'),
    });
  });

  it('merges the KUBECONFIG list, the first file winning', () => {
    const a = write('a', 'current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user: {token: first}\n');
    const b = write('b', 'current-context: y\nclusters:\n- name: c\n  cluster: {server: "http://b:8080"}\nusers:\n- name: u\n  user: {token: second}\n');
    expect(loadRestConfig({ env: { KUBECONFIG: `${a}${path.delimiter}${b}` } })).toEqual({ server: 'http://b:8080', token: 'first' });
  });

  it('falls back to the in-cluster service account', () => {
    const sa = path.dirname(write('sa/token', 'jwt\n'));
    write('sa/ca.crt', 'CA');
    write('sa/namespace', 'kube-system');
    const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    expect(loadRestConfig({ env, serviceAccountDir: sa, homeDir: dir })).toEqual({
      server: 'https://10.96.0.1:443',
      token: 'jwt',
      tokenFile: path.join(sa, 'token'),
      caPem: 'CA',
      namespace: 'kube-system',
    });
  });

  it('explains what is missing', () => {
    expect(() => loadRestConfig({ env: {}, homeDir: dir })).toThrow(KubeConfigError);
    const file = write('config', 'current-context: nope\n');
    expect(() => loadRestConfig({ kubeconfig: file, env: {} })).toThrow('context was not found for specified context: nope');
  });
});
