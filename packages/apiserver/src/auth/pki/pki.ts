// The cluster PKI: a CA (CN "kubernetes"), the apiserver's serving certificate signed by it, and
// the key pair that signs service account tokens; the files and names kubeadm uses (ca.crt,
// ca.key, apiserver.crt, apiserver.key, sa.key, sa.pub). Created at first start; every later start,
// and every other replica sharing the directory, reads the same files.
import * as crypto from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Clock } from '@kubemu/base';
import { RealClock } from '@kubemu/base';
import { PkiError, readIfExists, withLock, writeAtomically } from './pki-files';
import { createCertificate, generateRsaKeyPair, subjectAltNames } from './x509';

export interface Pki {
  dir: string;
  caCertPem: string;
  caKeyPem: string;
  servingCertPem: string;
  servingKeyPem: string;
  serviceAccountPrivateKeyPem: string;
  serviceAccountPublicKeyPem: string;
}

export interface PkiOptions {
  /** This apiserver's host names; added to the serving certificate's names. */
  serverNames: string[];
  /** This apiserver's addresses; added to the serving certificate's IP addresses. */
  serverIps: string[];
  clock?: Clock;
}

/** The names of the `kubernetes` Service and the local ones, in every serving certificate. */
export const DEFAULT_SERVER_NAMES = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
  'localhost',
];
export const DEFAULT_SERVER_IPS = ['127.0.0.1', '10.96.0.1'];

const DAY_MS = 24 * 3600 * 1000;
/** kubeadm's lifetimes: ten years for the CA, one year for what it signs. */
const CA_DAYS = 3650;
const CERT_DAYS = 365;
/** Tolerance for clocks of other machines running behind ours. */
const BACKDATE_MS = 5 * 60 * 1000;
/** A serving certificate closer than this to its end is renewed at start. */
const RENEW_BEFORE_MS = 30 * DAY_MS;

const FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  servingCert: 'apiserver.crt',
  servingKey: 'apiserver.key',
  saKey: 'sa.key',
  saPub: 'sa.pub',
} as const;

/**
 * Reads the PKI in `dir`, creating whatever is missing. Several apiservers may call this at once
 * on a shared directory: one takes the lock and generates, the others wait and then read its
 * files. The serving certificate covers the union of the names every replica asked for, so that
 * replicas with different host names converge instead of replacing each other's certificate.
 */
export async function ensurePki(dir: string, opts: PkiOptions): Promise<Pki> {
  const clock = opts.clock ?? new RealClock();
  const want = {
    dnsNames: unique([...DEFAULT_SERVER_NAMES, ...opts.serverNames]),
    ips: unique([...DEFAULT_SERVER_IPS, ...opts.serverIps]),
  };
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const ready = await readPki(dir);
  if (ready !== undefined && servingCertFits(ready, want, clock.wallNow())) return ready;
  const lockOpts = { clock, staleMs: 60_000, timeoutMs: 120_000, pollMs: 50 };
  return withLock(path.join(dir, '.pki.lock'), lockOpts, async () => {
    // Another replica may have finished while this one waited for the lock.
    const current = await readPki(dir);
    if (current !== undefined && servingCertFits(current, want, clock.wallNow())) return current;
    return generateMissing(dir, want, clock.wallNow());
  });
}

async function generateMissing(dir: string, want: { dnsNames: string[]; ips: string[] }, nowMs: number): Promise<Pki> {
  const file = (name: string): string => path.join(dir, name);
  let caCertPem = await readIfExists(file(FILES.caCert));
  let caKeyPem = await readIfExists(file(FILES.caKey));
  let freshCa = false;
  if (caCertPem === undefined || caKeyPem === undefined) {
    const keys = await generateRsaKeyPair();
    caKeyPem = keys.privateKeyPem;
    caCertPem = createCertificate({
      subject: { commonName: 'kubernetes' },
      publicKeyPem: keys.publicKeyPem,
      notBefore: new Date(nowMs - BACKDATE_MS),
      notAfter: new Date(nowMs + CA_DAYS * DAY_MS),
      isCA: true,
      selfSignKeyPem: keys.privateKeyPem,
    });
    await writeAtomically(file(FILES.caKey), caKeyPem, 0o600);
    await writeAtomically(file(FILES.caCert), caCertPem, 0o644);
    freshCa = true;
  }

  let saKeyPem = await readIfExists(file(FILES.saKey));
  let saPubPem = await readIfExists(file(FILES.saPub));
  if (saKeyPem === undefined) {
    const keys = await generateRsaKeyPair();
    saKeyPem = keys.privateKeyPem;
    saPubPem = keys.publicKeyPem;
    await writeAtomically(file(FILES.saKey), saKeyPem, 0o600);
    await writeAtomically(file(FILES.saPub), saPubPem, 0o644);
  } else if (saPubPem === undefined) {
    saPubPem = crypto.createPublicKey(saKeyPem).export({ type: 'spki', format: 'pem' }).toString();
    await writeAtomically(file(FILES.saPub), saPubPem, 0o644);
  }

  const existingCert = freshCa ? undefined : await readIfExists(file(FILES.servingCert));
  const existingKey = freshCa ? undefined : await readIfExists(file(FILES.servingKey));
  let servingCertPem = existingCert;
  let servingKeyPem = existingKey;
  const partial = { caCertPem, servingCertPem, servingKeyPem };
  if (servingCertPem === undefined || servingKeyPem === undefined || !servingCertFits(partial, want, nowMs)) {
    const names = { dnsNames: [...want.dnsNames], ips: [...want.ips] };
    if (existingCert !== undefined) {
      const had = subjectAltNames(new crypto.X509Certificate(existingCert));
      names.dnsNames = unique([...names.dnsNames, ...had.dnsNames]);
      names.ips = unique([...names.ips, ...had.ips]);
    }
    const keys = await generateRsaKeyPair();
    servingKeyPem = keys.privateKeyPem;
    servingCertPem = createCertificate({
      subject: { commonName: 'kube-apiserver' },
      publicKeyPem: keys.publicKeyPem,
      notBefore: new Date(nowMs - BACKDATE_MS),
      notAfter: new Date(nowMs + CERT_DAYS * DAY_MS),
      usages: ['server'],
      dnsNames: names.dnsNames,
      ips: names.ips,
      issuer: { certPem: caCertPem, keyPem: caKeyPem },
    });
    // Key before certificate: a reader that sees the new certificate must find its key.
    await writeAtomically(file(FILES.servingKey), servingKeyPem, 0o600);
    await writeAtomically(file(FILES.servingCert), servingCertPem, 0o644);
  }
  return {
    dir,
    caCertPem,
    caKeyPem,
    servingCertPem,
    servingKeyPem,
    serviceAccountPrivateKeyPem: saKeyPem,
    serviceAccountPublicKeyPem: saPubPem,
  };
}

/** All six files, or undefined when any is missing. */
async function readPki(dir: string): Promise<Pki | undefined> {
  const read = (name: string): Promise<string | undefined> => readIfExists(path.join(dir, name));
  const [caCertPem, caKeyPem, servingCertPem, servingKeyPem, saKey, saPub] = await Promise.all([
    read(FILES.caCert),
    read(FILES.caKey),
    read(FILES.servingCert),
    read(FILES.servingKey),
    read(FILES.saKey),
    read(FILES.saPub),
  ]);
  if (!caCertPem || !caKeyPem || !servingCertPem || !servingKeyPem || !saKey || !saPub) return undefined;
  return { dir, caCertPem, caKeyPem, servingCertPem, servingKeyPem, serviceAccountPrivateKeyPem: saKey, serviceAccountPublicKeyPem: saPub };
}

/** Signed by the CA, matching its key, not near its end, and naming every wanted name. */
function servingCertFits(
  pki: { caCertPem: string; servingCertPem: string | undefined; servingKeyPem: string | undefined },
  want: { dnsNames: string[]; ips: string[] },
  nowMs: number,
): boolean {
  if (pki.servingCertPem === undefined || pki.servingKeyPem === undefined) return false;
  try {
    const ca = new crypto.X509Certificate(pki.caCertPem);
    const cert = new crypto.X509Certificate(pki.servingCertPem);
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
    if (!cert.checkPrivateKey(crypto.createPrivateKey(pki.servingKeyPem))) return false;
    if (Date.parse(cert.validTo) - nowMs < RENEW_BEFORE_MS) return false;
    const has = subjectAltNames(cert);
    return want.dnsNames.every((n) => has.dnsNames.includes(n)) && want.ips.every((ip) => has.ips.includes(ip));
  } catch {
    return false;
  }
}

export interface ClientCertificateRequest {
  /** The user name (kubernetes-admin, system:node:node-1, system:kube-scheduler). */
  commonName: string;
  /** The groups (system:masters, system:nodes). */
  organizations?: string[];
  days?: number;
  clock?: Clock;
}

/** A client certificate and its key, signed by the cluster CA, as kubeadm issues them for kubeconfigs. */
export async function issueClientCertificate(pki: Pki, req: ClientCertificateRequest): Promise<{ certPem: string; keyPem: string }> {
  if (req.commonName === '') throw new PkiError('a client certificate needs a common name (the user name)');
  const nowMs = (req.clock ?? new RealClock()).wallNow();
  const keys = await generateRsaKeyPair();
  const certPem = createCertificate({
    subject: { commonName: req.commonName, organizations: req.organizations ?? [] },
    publicKeyPem: keys.publicKeyPem,
    notBefore: new Date(nowMs - BACKDATE_MS),
    notAfter: new Date(nowMs + (req.days ?? CERT_DAYS) * DAY_MS),
    usages: ['client'],
    issuer: { certPem: pki.caCertPem, keyPem: pki.caKeyPem },
  });
  return { certPem, keyPem: keys.privateKeyPem };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
