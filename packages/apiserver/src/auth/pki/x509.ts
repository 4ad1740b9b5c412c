// X.509 for the cluster PKI. Keys come from node's crypto (native: a 2048-bit RSA key takes about
// 0.15 s, a forge signature alone about 45 ms against 1 ms natively); node-forge only lays out the
// certificate, whose to-be-signed part node's crypto then signs.
import * as crypto from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateKeyPair = promisify(crypto.generateKeyPair);

export interface KeyPairPem {
  /** PKCS#1 ("RSA PRIVATE KEY"), as kubeadm writes its keys. */
  privateKeyPem: string;
  /** SubjectPublicKeyInfo ("PUBLIC KEY"), as kubeadm writes sa.pub. */
  publicKeyPem: string;
}

/** A 2048-bit RSA key pair, generated off the event loop. */
export async function generateRsaKeyPair(): Promise<KeyPairPem> {
  const { privateKey, publicKey } = await generateKeyPair('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export interface Subject {
  commonName: string;
  organizations?: readonly string[];
}

export interface CertificateSpec {
  subject: Subject;
  publicKeyPem: string;
  notBefore: Date;
  notAfter: Date;
  isCA?: boolean;
  /** Extended key usages: serving (serverAuth), client (clientAuth). */
  usages?: readonly ('server' | 'client')[];
  dnsNames?: readonly string[];
  ips?: readonly string[];
  /** The signer; absent for a self-signed certificate (the CA). */
  issuer?: { certPem: string; keyPem: string };
  /** The signing key of a self-signed certificate. */
  selfSignKeyPem?: string;
}

const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';
export const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export function createCertificate(spec: CertificateSpec): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spec.publicKeyPem);
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  const subject = subjectAttributes(spec.subject);
  cert.setSubject(subject);
  const issuerCert = spec.issuer === undefined ? undefined : forge.pki.certificateFromPem(spec.issuer.certPem);
  cert.setIssuer(issuerCert === undefined ? subject : issuerCert.subject.attributes);

  const extensions: object[] = [];
  if (spec.isCA) {
    extensions.push({ name: 'basicConstraints', cA: true, critical: true });
    extensions.push({ name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true, keyCertSign: true });
  } else {
    extensions.push({ name: 'basicConstraints', cA: false, critical: true });
    extensions.push({ name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true });
  }
  const usages = spec.usages ?? [];
  if (usages.length > 0) extensions.push({ name: 'extKeyUsage', serverAuth: usages.includes('server'), clientAuth: usages.includes('client') });
  extensions.push({ name: 'subjectKeyIdentifier' });
  if (issuerCert !== undefined) {
    extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: issuerCert.generateSubjectKeyIdentifier().getBytes() });
  }
  const altNames = [...(spec.dnsNames ?? []).map((value) => ({ type: 2, value })), ...(spec.ips ?? []).map((ip) => ({ type: 7, ip }))];
  if (altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames });
  cert.setExtensions(extensions);

  const signingKeyPem = spec.issuer?.keyPem ?? spec.selfSignKeyPem;
  if (signingKeyPem === undefined) throw new Error('createCertificate: no signing key');
  signNatively(cert, signingKeyPem);
  return forge.pki.certificateToPem(cert);
}

/** Signs with sha256WithRSAEncryption as forge's cert.sign would, but with node's native RSA. */
function signNatively(cert: forge.pki.Certificate, keyPem: string): void {
  const oid = forge.pki.oids['sha256WithRSAEncryption'] as string;
  cert.siginfo.algorithmOid = oid;
  cert.signatureOid = oid;
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  cert.tbsCertificate = tbs;
  const der = Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary');
  cert.signature = crypto.sign('sha256', der, keyPem).toString('binary');
}

function subjectAttributes(s: Subject): forge.pki.CertificateField[] {
  // Organizations first, as Go's crypto/x509 orders a pkix.Name (O before CN).
  return [...(s.organizations ?? []).map((value) => ({ type: OID_O, value })), { type: OID_CN, value: s.commonName }];
}

/** A positive 128-bit serial number, in hex. */
function randomSerial(): string {
  const bytes = crypto.randomBytes(16);
  bytes[0] = (bytes[0] as number) & 0x7f;
  return bytes.toString('hex');
}

/**
 * The subject's common name and organizations read from the DER, key type aside (forge would
 * only parse certificates with RSA keys, and a client may present an ECDSA one).
 */
export function certificateSubject(der: Buffer): Subject {
  const cert = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  const tbs = children(cert)[0];
  if (tbs === undefined) throw new Error('certificate without tbsCertificate');
  const fields = children(tbs);
  const first = fields[0];
  // Fields of TBSCertificate: [0] version (optional), serial, signature, issuer, validity, subject.
  const offset = first !== undefined && first.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const subject = fields[offset + 4];
  if (subject === undefined) throw new Error('certificate without subject');
  let commonName = '';
  const organizations: string[] = [];
  for (const rdn of children(subject)) {
    for (const atv of children(rdn)) {
      const [oid, value] = children(atv);
      if (oid === undefined || value === undefined || typeof oid.value !== 'string' || typeof value.value !== 'string') continue;
      const type = forge.asn1.derToOid(forge.util.createBuffer(oid.value));
      const text = value.type === forge.asn1.Type.UTF8 ? forge.util.decodeUtf8(value.value) : value.value;
      if (type === OID_CN) commonName = text;
      else if (type === OID_O) organizations.push(text);
    }
  }
  return { commonName, organizations };
}

function children(node: forge.asn1.Asn1): forge.asn1.Asn1[] {
  return Array.isArray(node.value) ? node.value : [];
}

export type ChainCheck = { ok: true; subject: Subject } | { ok: false; error: string };

/**
 * Whether a client certificate was issued by the CA for client authentication and is valid at
 * `nowMs`; errors are worded as Go's crypto/x509 words them, which kube-apiserver logs.
 */
export function verifyClientCertificate(der: Buffer, ca: crypto.X509Certificate, nowMs: number): ChainCheck {
  let cert: crypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(der);
  } catch (err) {
    return { ok: false, error: `x509: malformed certificate: ${(err as Error).message}` };
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    return { ok: false, error: 'x509: certificate signed by unknown authority' };
  }
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  const caNotAfter = Date.parse(ca.validTo);
  if (nowMs < notBefore || nowMs > notAfter || nowMs > caNotAfter) {
    return { ok: false, error: 'x509: certificate has expired or is not yet valid' };
  }
  // An absent extended key usage allows any use, as Go's verifier treats it.
  const eku = cert.keyUsage;
  if (eku !== undefined && eku.length > 0 && !eku.includes(EKU_CLIENT_AUTH)) {
    return { ok: false, error: 'x509: certificate specifies an incompatible key usage' };
  }
  return { ok: true, subject: certificateSubject(der) };
}

/** DNS names and IP addresses of a certificate's subjectAltName. */
export function subjectAltNames(cert: crypto.X509Certificate): { dnsNames: string[]; ips: string[] } {
  const dnsNames: string[] = [];
  const ips: string[] = [];
  for (const part of (cert.subjectAltName ?? '').split(', ')) {
    if (part.startsWith('DNS:')) dnsNames.push(part.slice(4));
    else if (part.startsWith('IP Address:')) ips.push(part.slice(11));
  }
  return { dnsNames, ips };
}
