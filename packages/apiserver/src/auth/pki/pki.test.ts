import * as crypto from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { ensurePki, issueClientCertificate } from './pki';
import { certificateSubject, subjectAltNames, verifyClientCertificate } from './x509';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubemu-pki-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const der = (pem: string): Buffer => new crypto.X509Certificate(pem).raw;

describe('ensurePki', () => {
  it('creates a CA named kubernetes and a serving certificate for the Service names, this host and the given ones', async () => {
    const pki = await ensurePki(dir, { serverNames: ['apiserver-0'], serverIps: ['10.0.0.5'] });
    const ca = new crypto.X509Certificate(pki.caCertPem);
    expect(ca.subject).toBe('CN=kubernetes');
    expect(ca.ca).toBe(true);
    const serving = new crypto.X509Certificate(pki.servingCertPem);
    expect(serving.checkIssued(ca) && serving.verify(ca.publicKey)).toBe(true);
    expect(serving.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const sans = subjectAltNames(serving);
    expect(sans.dnsNames).toEqual(
      expect.arrayContaining(['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost', 'apiserver-0']),
    );
    expect(sans.ips).toEqual(expect.arrayContaining(['127.0.0.1', '10.96.0.1', '10.0.0.5']));
    expect(serving.checkPrivateKey(crypto.createPrivateKey(pki.servingKeyPem))).toBe(true);
    // The service account key pair: sa.pub is the public half of sa.key.
    const data = Buffer.from('token');
    const sig = crypto.sign('sha256', data, pki.serviceAccountPrivateKeyPem);
    expect(crypto.verify('sha256', data, pki.serviceAccountPublicKeyPem, sig)).toBe(true);
    expect((await fs.readdir(dir)).sort()).toEqual(['apiserver.crt', 'apiserver.key', 'ca.crt', 'ca.key', 'sa.key', 'sa.pub']);
    expect((await fs.stat(path.join(dir, 'ca.key'))).mode & 0o777).toBe(0o600);
  });

  it('reads the same files at the next start', async () => {
    const first = await ensurePki(dir, { serverNames: [], serverIps: [] });
    const second = await ensurePki(dir, { serverNames: [], serverIps: [] });
    expect(second).toEqual(first);
  });

  it('lets exactly one of several replicas starting at once generate; all end up with the same PKI', async () => {
    const all = await Promise.all(
      ['apiserver-0', 'apiserver-1', 'apiserver-2'].map((name) => ensurePki(dir, { serverNames: [name], serverIps: [] })),
    );
    const cas = new Set(all.map((p) => p.caCertPem));
    const saKeys = new Set(all.map((p) => p.serviceAccountPrivateKeyPem));
    expect(cas.size).toBe(1);
    expect(saKeys.size).toBe(1);
    // Whichever replica generated last, the certificate on disk names all three.
    const onDisk = await ensurePki(dir, { serverNames: ['apiserver-0', 'apiserver-1', 'apiserver-2'], serverIps: [] });
    expect(subjectAltNames(new crypto.X509Certificate(onDisk.servingCertPem)).dnsNames).toEqual(
      expect.arrayContaining(['apiserver-0', 'apiserver-1', 'apiserver-2']),
    );
    expect(onDisk.caCertPem).toBe(all[0]?.caCertPem);
    expect((await fs.readdir(dir)).filter((f) => f.includes('.tmp-') || f.includes('lock'))).toEqual([]);
  });

  it('extends the serving certificate when a replica with another name starts, keeping the earlier names', async () => {
    const first = await ensurePki(dir, { serverNames: ['a'], serverIps: ['10.0.0.1'] });
    const second = await ensurePki(dir, { serverNames: ['b'], serverIps: ['10.0.0.2'] });
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.servingCertPem).not.toBe(first.servingCertPem);
    const sans = subjectAltNames(new crypto.X509Certificate(second.servingCertPem));
    expect(sans.dnsNames).toEqual(expect.arrayContaining(['a', 'b']));
    expect(sans.ips).toEqual(expect.arrayContaining(['10.0.0.1', '10.0.0.2']));
  });

  it('breaks a lock left behind by a replica killed while generating', async () => {
    const lock = path.join(dir, '.pki.lock');
    await fs.writeFile(lock, '12345\n');
    const old = new Date(Date.now() - 120_000);
    await fs.utimes(lock, old, old);
    const pki = await ensurePki(dir, { serverNames: [], serverIps: [] });
    expect(pki.caCertPem).toContain('BEGIN CERTIFICATE');
  });
});

describe('client certificates', () => {
  it('carries the user as CN and the groups as O, and verifies against the CA', async () => {
    const pki = await ensurePki(dir, { serverNames: [], serverIps: [] });
    const { certPem, keyPem } = await issueClientCertificate(pki, { commonName: 'kubernetes-admin', organizations: ['system:masters'] });
    const cert = new crypto.X509Certificate(certPem);
    expect(cert.checkPrivateKey(crypto.createPrivateKey(keyPem))).toBe(true);
    expect(certificateSubject(cert.raw)).toEqual({ commonName: 'kubernetes-admin', organizations: ['system:masters'] });
    const check = verifyClientCertificate(cert.raw, new crypto.X509Certificate(pki.caCertPem), Date.now());
    expect(check).toEqual({ ok: true, subject: { commonName: 'kubernetes-admin', organizations: ['system:masters'] } });
  });

  it('rejects a certificate from another CA, an expired one, and a serving certificate', async () => {
    const pki = await ensurePki(dir, { serverNames: [], serverIps: [] });
    const otherDir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubemu-pki-other-'));
    try {
      const other = await ensurePki(otherDir, { serverNames: [], serverIps: [] });
      const foreign = await issueClientCertificate(other, { commonName: 'mallory', organizations: ['system:masters'] });
      const ca = new crypto.X509Certificate(pki.caCertPem);
      expect(verifyClientCertificate(der(foreign.certPem), ca, Date.now())).toEqual({
        ok: false,
        error: 'x509: certificate signed by unknown authority',
      });
      const mine = await issueClientCertificate(pki, { commonName: 'alice', days: 1 });
      expect(verifyClientCertificate(der(mine.certPem), ca, Date.now() + 2 * 24 * 3600 * 1000)).toEqual({
        ok: false,
        error: 'x509: certificate has expired or is not yet valid',
      });
      expect(verifyClientCertificate(der(pki.servingCertPem), ca, Date.now())).toEqual({
        ok: false,
        error: 'x509: certificate specifies an incompatible key usage',
      });
    } finally {
      await fs.rm(otherDir, { recursive: true, force: true });
    }
  });

  it('is accepted by a TLS server that trusts the CA (node verifies the chain the same way)', async () => {
    const pki = await ensurePki(dir, { serverNames: [], serverIps: [] });
    const client = await issueClientCertificate(pki, { commonName: 'system:node:node-1', organizations: ['system:nodes'] });
    const server = tls.createServer({ cert: pki.servingCertPem, key: pki.servingKeyPem, ca: pki.caCertPem, requestCert: true, rejectUnauthorized: true });
    const peer = new Promise<tls.PeerCertificate>((resolve) => server.on('secureConnection', (s: tls.TLSSocket) => resolve(s.getPeerCertificate())));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'kubernetes.default.svc', ca: pki.caCertPem, cert: client.certPem, key: client.keyPem });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', resolve);
        socket.once('error', reject);
      });
      expect(socket.authorized).toBe(true);
      expect(certificateSubject((await peer).raw)).toEqual({ commonName: 'system:node:node-1', organizations: ['system:nodes'] });
    } finally {
      socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
