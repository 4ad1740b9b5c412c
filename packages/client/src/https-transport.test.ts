// HttpTransport over TLS as components use it against the apiserver: a cluster CA, a client
// certificate, and insecure-skip-tls-verify. Certificates are made with the openssl CLI.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ConnectionError } from './api-error';
import { RestClient } from './rest-client';

const hasOpenssl = ((): boolean => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

interface Pki {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCa: string;
}

function makePki(dir: string): Pki {
  const f = (n: string): string => path.join(dir, n);
  const ossl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
  for (const ca of ['ca', 'other-ca']) {
    ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${ca}.key`), '-out', f(`${ca}.crt`), '-days', '1', '-subj', `/CN=${ca}`);
  }
  fs.writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  for (const [name, subj] of [['server', '/CN=kube-apiserver'], ['client', '/CN=admin/O=system:masters']] as const) {
    ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', subj);
    ossl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.crt`), '-days', '1', ...(name === 'server' ? ['-extfile', f('san.ext')] : []));
  }
  const r = (n: string): string => fs.readFileSync(f(n), 'utf8');
  return { ca: r('ca.crt'), serverCert: r('server.crt'), serverKey: r('server.key'), clientCert: r('client.crt'), clientKey: r('client.key'), otherCa: r('other-ca.crt') };
}

(hasOpenssl ? describe : describe.skip)('HttpTransport over TLS', () => {
  let dir: string;
  let pki: Pki;
  let server: https.Server;
  let url: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubemu-tls-'));
    pki = makePki(dir);
    server = https.createServer({ key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ user: peer.subject?.CN ?? null }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 30_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const who = async (client: RestClient): Promise<unknown> => {
    try {
      return await client.requestJson<{ user: string | null }>({ method: 'GET', path: '/version' });
    } finally {
      client.close();
    }
  };

  it('verifies the server against the cluster CA and presents the client certificate', async () => {
    await expect(who(RestClient.fromConfig({ server: url, caPem: pki.ca, certPem: pki.clientCert, keyPem: pki.clientKey }))).resolves.toEqual({ user: 'admin' });
  });

  it('refuses a server its CA did not sign, unless told to skip verification', async () => {
    await expect(who(RestClient.fromConfig({ server: url, caPem: pki.otherCa }))).rejects.toBeInstanceOf(ConnectionError);
    await expect(who(RestClient.fromConfig({ server: url, insecureSkipTlsVerify: true }))).resolves.toEqual({ user: null });
  });
});
