// Compact JWS with RS256, the only algorithm kube-apiserver signs service account tokens with.
// Done with node's crypto: jose is an ECMAScript module, which this CommonJS package cannot load
// under its test runner.
import * as crypto from 'node:crypto';

export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
}

export type JwtClaims = Record<string, unknown>;

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

export function signJwt(header: JwtHeader, claims: JwtClaims, privateKey: crypto.KeyObject): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(crypto.sign('sha256', Buffer.from(input), privateKey))}`;
}

export interface DecodedJwt {
  header: JwtHeader;
  claims: JwtClaims;
  signingInput: string;
  signature: Buffer;
}

/** The parts of a compact JWS, unverified; undefined for anything that is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, c, s] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || !isObject(claims) || typeof header['alg'] !== 'string') return undefined;
    return { header: header as unknown as JwtHeader, claims, signingInput: `${h}.${c}`, signature: Buffer.from(s, 'base64url') };
  } catch {
    return undefined;
  }
}

export function verifyRs256(jwt: DecodedJwt, publicKey: crypto.KeyObject): boolean {
  if (jwt.header.alg !== 'RS256') return false;
  return crypto.verify('sha256', Buffer.from(jwt.signingInput), publicKey, jwt.signature);
}

/** The key ID kube-apiserver puts in `kid`: unpadded base64url of SHA-256 over the PKIX public key. */
export function keyIdFromPublicKey(publicKey: crypto.KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha256').update(der).digest('base64url');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
