// Service account tokens: the JWTs kube-apiserver signs for the TokenRequest API
// (serviceaccounts/<name>/token) and accepts as bearer tokens. A token names its service account
// by namespace, name and uid, and possibly the pod, secret or node it is bound to; it stops working
// when it expires or when any of these objects is gone (or was recreated with another uid).
import * as crypto from 'node:crypto';
import type { Clock } from '@kubemu/base';
import type { UserInfo } from '../user';
import { serviceAccountGroups, serviceAccountUsername } from '../user';
import type { JwtClaims } from './jwt';
import { decodeJwt, keyIdFromPublicKey, signJwt, verifyRs256 } from './jwt';

/** --service-account-issuer of a kubeadm cluster; also the default API audience. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** go-jose's default leeway on exp, nbf and iat. */
const LEEWAY_SECONDS = 60;

export const EXTRA_POD_NAME = 'authentication.kubernetes.io/pod-name';
export const EXTRA_POD_UID = 'authentication.kubernetes.io/pod-uid';
export const EXTRA_NODE_NAME = 'authentication.kubernetes.io/node-name';
export const EXTRA_NODE_UID = 'authentication.kubernetes.io/node-uid';
export const EXTRA_CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';

export interface ObjectRef {
  name: string;
  uid: string;
}

/** What a token is bound to; a pod-bound token also names the pod's node when it has one. */
export type BoundObject = { kind: 'Pod'; name: string; uid: string; node?: ObjectRef } | { kind: 'Secret' | 'Node'; name: string; uid: string };

export interface TokenIssueRequest {
  namespace: string;
  /** The service account's name and uid. */
  name: string;
  uid: string;
  /** Empty or absent: the API audiences. */
  audiences?: string[];
  /** Validated by the caller (see validateTokenRequest); capped at the issuer's maximum. */
  expirationSeconds: number;
  boundObject?: BoundObject;
}

export interface IssuedToken {
  token: string;
  audiences: string[];
  /** RFC 3339, seconds precision, as TokenRequest status.expirationTimestamp. */
  expirationTimestamp: string;
  expirationSeconds: number;
}

export interface TokenIssuerOptions {
  privateKeyPem: string;
  clock: Clock;
  issuer?: string;
  /** --api-audiences; defaults to the issuer. */
  apiAudiences?: string[];
  /** --service-account-max-token-expiration, in seconds; unset means no cap. */
  maxExpirationSeconds?: number;
}

interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

export class TokenIssuer {
  readonly issuer: string;
  readonly apiAudiences: string[];
  readonly keyId: string;
  private readonly key: crypto.KeyObject;

  constructor(private readonly opts: TokenIssuerOptions) {
    this.key = crypto.createPrivateKey(opts.privateKeyPem);
    this.keyId = keyIdFromPublicKey(crypto.createPublicKey(this.key));
    this.issuer = opts.issuer ?? DEFAULT_ISSUER;
    this.apiAudiences = opts.apiAudiences ?? [this.issuer];
  }

  issue(req: TokenIssueRequest): IssuedToken {
    const now = Math.floor(this.opts.clock.wallNow() / 1000);
    const max = this.opts.maxExpirationSeconds;
    const expirationSeconds = max !== undefined && req.expirationSeconds > max ? max : req.expirationSeconds;
    const audiences = req.audiences !== undefined && req.audiences.length > 0 ? [...req.audiences] : [...this.apiAudiences];
    const k8s: KubernetesClaim = { namespace: req.namespace, serviceaccount: { name: req.name, uid: req.uid } };
    const bound = req.boundObject;
    if (bound?.kind === 'Pod') {
      k8s.pod = { name: bound.name, uid: bound.uid };
      if (bound.node !== undefined) k8s.node = { ...bound.node };
    } else if (bound?.kind === 'Secret') k8s.secret = { name: bound.name, uid: bound.uid };
    else if (bound?.kind === 'Node') k8s.node = { name: bound.name, uid: bound.uid };
    // Keys in the order kube-apiserver's tokens have them (its JSON encoder sorts map keys).
    const claims: JwtClaims = {
      aud: audiences,
      exp: now + expirationSeconds,
      iat: now,
      iss: this.issuer,
      jti: crypto.randomUUID(),
      'kubernetes.io': sortKeys(k8s),
      nbf: now,
      sub: serviceAccountUsername(req.namespace, req.name),
    };
    const token = signJwt({ alg: 'RS256', kid: this.keyId }, claims, this.key);
    return { token, audiences, expirationSeconds, expirationTimestamp: new Date((now + expirationSeconds) * 1000).toISOString().replace('.000Z', 'Z') };
  }
}

/**
 * Whether the objects a token names still exist with the uids it names. Backed by the apiserver's
 * watch cache; may answer asynchronously. Absent checks for bound objects accept them.
 */
export interface ServiceAccountGetters {
  serviceAccountExists(namespace: string, name: string, uid: string): boolean | Promise<boolean>;
  podExists?(namespace: string, name: string, uid: string): boolean | Promise<boolean>;
  secretExists?(namespace: string, name: string, uid: string): boolean | Promise<boolean>;
  nodeExists?(name: string, uid: string): boolean | Promise<boolean>;
}

/** A token not issued here (another issuer, not a JWT) gets no opinion; a bad one of ours an error. */
export type TokenAuthentication = { kind: 'user'; user: UserInfo } | { kind: 'noOpinion' } | { kind: 'error'; error: string };

export interface ServiceAccountAuthenticatorOptions {
  /** Keys whose signatures are accepted (--service-account-key-file), PEM. */
  publicKeyPems: string[];
  clock: Clock;
  getters: ServiceAccountGetters;
  issuer?: string;
  apiAudiences?: string[];
}

export class ServiceAccountTokenAuthenticator {
  private readonly keys: crypto.KeyObject[];
  private readonly issuer: string;
  private readonly apiAudiences: string[];

  constructor(private readonly opts: ServiceAccountAuthenticatorOptions) {
    this.keys = opts.publicKeyPems.map((pem) => crypto.createPublicKey(pem));
    this.issuer = opts.issuer ?? DEFAULT_ISSUER;
    this.apiAudiences = opts.apiAudiences ?? [this.issuer];
  }

  async authenticateToken(token: string): Promise<TokenAuthentication> {
    const jwt = decodeJwt(token);
    if (jwt === undefined || jwt.claims['iss'] !== this.issuer) return { kind: 'noOpinion' };
    if (!this.keys.some((k) => verifyRs256(jwt, k))) return { kind: 'error', error: 'invalid signature' };
    const c = jwt.claims;
    const audiences = typeof c['aud'] === 'string' ? [c['aud']] : Array.isArray(c['aud']) ? c['aud'].filter((a) => typeof a === 'string') : [];
    if (!audiences.some((a) => this.apiAudiences.includes(a))) {
      return { kind: 'error', error: `token audiences ${JSON.stringify(audiences)} is invalid for the target audiences ${JSON.stringify(this.apiAudiences)}` };
    }
    const now = Math.floor(this.opts.clock.wallNow() / 1000);
    if (typeof c['exp'] === 'number' && now > c['exp'] + LEEWAY_SECONDS) return { kind: 'error', error: 'service account token has expired' };
    if (typeof c['nbf'] === 'number' && now < c['nbf'] - LEEWAY_SECONDS) return { kind: 'error', error: 'service account token is not valid yet' };
    if (typeof c['iat'] === 'number' && now < c['iat'] - LEEWAY_SECONDS) return { kind: 'error', error: 'service account token is issued in the future' };
    const k8s = c['kubernetes.io'];
    if (!isKubernetesClaim(k8s) || c['sub'] !== serviceAccountUsername(k8s.namespace, k8s.serviceaccount.name)) {
      return { kind: 'error', error: 'service account token claims could not be validated due to unexpected private claim' };
    }
    const invalidated = await this.invalidated(k8s);
    if (invalidated !== undefined) return { kind: 'error', error: invalidated };
    const extra: Record<string, string[]> = {};
    if (k8s.pod !== undefined) {
      extra[EXTRA_POD_NAME] = [k8s.pod.name];
      extra[EXTRA_POD_UID] = [k8s.pod.uid];
    }
    if (k8s.node !== undefined) {
      extra[EXTRA_NODE_NAME] = [k8s.node.name];
      extra[EXTRA_NODE_UID] = [k8s.node.uid];
    }
    if (typeof c['jti'] === 'string' && c['jti'] !== '') extra[EXTRA_CREDENTIAL_ID] = [`JTI=${c['jti']}`];
    const { namespace, serviceaccount } = k8s;
    const user: UserInfo = { username: serviceAccountUsername(namespace, serviceaccount.name), uid: serviceaccount.uid, groups: serviceAccountGroups(namespace) };
    if (Object.keys(extra).length > 0) user.extra = extra;
    return { kind: 'user', user };
  }

  /** Why the token no longer works (an object it names is gone or was recreated), if it does not. */
  private async invalidated(k8s: KubernetesClaim): Promise<string | undefined> {
    const g = this.opts.getters;
    const ns = k8s.namespace;
    const { serviceaccount: sa, pod, secret, node } = k8s;
    if (!(await g.serviceAccountExists(ns, sa.name, sa.uid))) return `service account ${ns}/${sa.name} (uid ${sa.uid}) no longer exists`;
    if (pod !== undefined && g.podExists !== undefined && !(await g.podExists(ns, pod.name, pod.uid))) {
      return `pod ${ns}/${pod.name} (uid ${pod.uid}) the token is bound to no longer exists`;
    }
    if (secret !== undefined && g.secretExists !== undefined && !(await g.secretExists(ns, secret.name, secret.uid))) {
      return `secret ${ns}/${secret.name} (uid ${secret.uid}) the token is bound to no longer exists`;
    }
    // A pod-bound token names its pod's node for information only; a node-bound token depends on it.
    if (node !== undefined && pod === undefined && g.nodeExists !== undefined && !(await g.nodeExists(node.name, node.uid))) {
      return `node ${node.name} (uid ${node.uid}) the token is bound to no longer exists`;
    }
    return undefined;
  }
}

function isKubernetesClaim(v: unknown): v is KubernetesClaim {
  if (typeof v !== 'object' || v === null) return false;
  const k = v as Record<string, unknown>;
  if (typeof k['namespace'] !== 'string' || k['namespace'] === '' || !isRef(k['serviceaccount'])) return false;
  return ['pod', 'secret', 'node'].every((f) => k[f] === undefined || isRef(k[f]));
}

function isRef(v: unknown): v is ObjectRef {
  return typeof v === 'object' && v !== null && typeof (v as ObjectRef).name === 'string' && typeof (v as ObjectRef).uid === 'string';
}

function sortKeys<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}
