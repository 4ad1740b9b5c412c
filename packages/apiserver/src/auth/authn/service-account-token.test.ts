import * as crypto from 'node:crypto';
import { ManualClock } from '@kubemu/base';
import { decodeJwt, keyIdFromPublicKey, signJwt } from './jwt';
import { openIdConfiguration, serviceAccountJwks } from './oidc-discovery';
import type { ServiceAccountGetters } from './service-account-token';
import { DEFAULT_ISSUER, ServiceAccountTokenAuthenticator, TokenIssuer } from './service-account-token';
import { tokenRequestResponse, validateTokenRequest } from './token-request';

const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKeyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

function setup(getters: Partial<ServiceAccountGetters> = {}) {
  const clock = new ManualClock();
  const accounts = new Set(['default/builder/sa-uid']);
  const all: ServiceAccountGetters = { serviceAccountExists: (ns, name, uid) => accounts.has(`${ns}/${name}/${uid}`), ...getters };
  const issuer = new TokenIssuer({ privateKeyPem, clock });
  const authn = new ServiceAccountTokenAuthenticator({ publicKeyPems: [publicKeyPem], clock, getters: all });
  return { clock, accounts, issuer, authn };
}

describe('service account tokens', () => {
  it('issues an RS256 JWT with kube-apiserver claims and authenticates it as the service account', async () => {
    const { clock, issuer, authn } = setup();
    const issued = issuer.issue({ namespace: 'default', name: 'builder', uid: 'sa-uid', expirationSeconds: 3600 });
    const jwt = decodeJwt(issued.token);
    expect(jwt?.header).toEqual({ alg: 'RS256', kid: keyIdFromPublicKey(publicKey) });
    const now = clock.wallNow() / 1000;
    expect(jwt?.claims).toEqual({
      aud: [DEFAULT_ISSUER],
      exp: now + 3600,
      iat: now,
      iss: 'https://kubernetes.default.svc.cluster.local',
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'builder', uid: 'sa-uid' } },
      nbf: now,
      sub: 'system:serviceaccount:default:builder',
    });
    expect(issued.expirationTimestamp).toBe('2026-01-01T01:00:00Z');
    expect(await authn.authenticateToken(issued.token)).toEqual({
      kind: 'user',
      user: {
        username: 'system:serviceaccount:default:builder',
        uid: 'sa-uid',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:default'],
        extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${String(jwt?.claims['jti'])}`] },
      },
    });
  });

  it('stops accepting a token once it is past exp (with a minute of leeway)', async () => {
    const { clock, issuer, authn } = setup();
    const { token } = issuer.issue({ namespace: 'default', name: 'builder', uid: 'sa-uid', expirationSeconds: 600 });
    clock.advance(660_000);
    expect((await authn.authenticateToken(token)).kind).toBe('user');
    clock.advance(1000);
    expect(await authn.authenticateToken(token)).toEqual({ kind: 'error', error: 'service account token has expired' });
  });

  it('stops accepting tokens of a deleted service account, or of one recreated with another uid', async () => {
    const { accounts, issuer, authn } = setup();
    const { token } = issuer.issue({ namespace: 'default', name: 'builder', uid: 'sa-uid', expirationSeconds: 3600 });
    accounts.delete('default/builder/sa-uid');
    accounts.add('default/builder/new-uid');
    expect((await authn.authenticateToken(token)).kind).toBe('error');
  });

  it('binds a token to a pod: the pod is in extra, and deleting the pod invalidates the token', async () => {
    const pods = new Set(['default/web/pod-uid']);
    const { issuer, authn } = setup({ podExists: (ns, name, uid) => pods.has(`${ns}/${name}/${uid}`) });
    const { token } = issuer.issue({
      namespace: 'default',
      name: 'builder',
      uid: 'sa-uid',
      expirationSeconds: 3600,
      audiences: ['https://kubernetes.default.svc.cluster.local', 'vault'],
      boundObject: { kind: 'Pod', name: 'web', uid: 'pod-uid', node: { name: 'node-1', uid: 'node-uid' } },
    });
    const claims = decodeJwt(token)?.claims;
    expect(claims?.['kubernetes.io']).toEqual({
      namespace: 'default',
      node: { name: 'node-1', uid: 'node-uid' },
      pod: { name: 'web', uid: 'pod-uid' },
      serviceaccount: { name: 'builder', uid: 'sa-uid' },
    });
    const ok = await authn.authenticateToken(token);
    expect(ok.kind === 'user' && ok.user.extra).toMatchObject({
      'authentication.kubernetes.io/pod-name': ['web'],
      'authentication.kubernetes.io/pod-uid': ['pod-uid'],
      'authentication.kubernetes.io/node-name': ['node-1'],
      'authentication.kubernetes.io/node-uid': ['node-uid'],
    });
    pods.clear();
    expect((await authn.authenticateToken(token)).kind).toBe('error');
  });

  it('rejects tokens for other audiences and tokens with a forged signature', async () => {
    const { issuer, authn } = setup();
    const forVault = issuer.issue({ namespace: 'default', name: 'builder', uid: 'sa-uid', expirationSeconds: 3600, audiences: ['vault'] });
    expect((await authn.authenticateToken(forVault.token)).kind).toBe('error');
    const good = issuer.issue({ namespace: 'default', name: 'builder', uid: 'sa-uid', expirationSeconds: 3600 }).token;
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = signJwt({ alg: 'RS256' }, decodeJwt(good)?.claims ?? {}, other);
    expect(await authn.authenticateToken(forged)).toEqual({ kind: 'error', error: 'invalid signature' });
    const [h, c] = good.split('.');
    expect((await authn.authenticateToken(`${h}.${c}.`)).kind).toBe('error');
  });

  it('has no opinion on tokens of another issuer or that are not JWTs', async () => {
    const { clock, authn } = setup();
    const foreign = new TokenIssuer({ privateKeyPem, clock, issuer: 'https://elsewhere' });
    expect(await authn.authenticateToken(foreign.issue({ namespace: 'default', name: 'builder', uid: 'sa-uid', expirationSeconds: 3600 }).token)).toEqual({
      kind: 'noOpinion',
    });
    expect(await authn.authenticateToken('not-a-jwt')).toEqual({ kind: 'noOpinion' });
  });

  it('caps the expiration at --service-account-max-token-expiration', () => {
    const issuer = new TokenIssuer({ privateKeyPem, clock: new ManualClock(), maxExpirationSeconds: 7200 });
    expect(issuer.issue({ namespace: 'ns', name: 'sa', uid: 'u', expirationSeconds: 86400 }).expirationSeconds).toBe(7200);
  });
});

describe('TokenRequest', () => {
  it('defaults to one hour and answers with the token and its expiration', () => {
    const v = validateTokenRequest('builder', {});
    expect(v).toEqual({ ok: true, spec: { audiences: [], expirationSeconds: 3600, boundObjectRef: null } });
    if (!v.ok) return;
    const issuer = new TokenIssuer({ privateKeyPem, clock: new ManualClock() });
    const issued = issuer.issue({ namespace: 'default', name: 'builder', uid: 'sa-uid', expirationSeconds: v.spec.expirationSeconds });
    expect(tokenRequestResponse('default', 'builder', v.spec, issued)).toEqual({
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: 'builder', namespace: 'default', creationTimestamp: null },
      spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600, boundObjectRef: null },
      status: { token: issued.token, expirationTimestamp: '2026-01-01T01:00:00Z' },
    });
  });

  it('refuses durations under ten minutes with the Invalid status kube-apiserver gives', () => {
    const v = validateTokenRequest('builder', { expirationSeconds: 5 });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.status.code).toBe(422);
    expect(v.status.message).toBe(
      'TokenRequest.authentication.k8s.io "builder" is invalid: spec.expirationSeconds: Invalid value: 5: may not specify a duration less than 10 minutes',
    );
  });
});

describe('issuer discovery', () => {
  it('publishes the key that verifies the tokens under the kid they carry', () => {
    const issuer = new TokenIssuer({ privateKeyPem, clock: new ManualClock() });
    const { token } = issuer.issue({ namespace: 'ns', name: 'sa', uid: 'u', expirationSeconds: 3600 });
    const jwks = serviceAccountJwks([publicKeyPem]);
    const jwk = jwks.keys.find((k) => k['kid'] === decodeJwt(token)?.header.kid);
    expect(jwk).toMatchObject({ use: 'sig', kty: 'RSA', alg: 'RS256', e: 'AQAB' });
    const key = crypto.createPublicKey({ key: { kty: 'RSA', n: jwk?.['n'] as string, e: jwk?.['e'] as string }, format: 'jwk' });
    const [h, c, s] = token.split('.') as [string, string, string];
    expect(crypto.verify('sha256', Buffer.from(`${h}.${c}`), key, Buffer.from(s, 'base64url'))).toBe(true);
    expect(openIdConfiguration(DEFAULT_ISSUER, 'https://10.0.0.1:6443/openid/v1/jwks')).toMatchObject({ issuer: DEFAULT_ISSUER, id_token_signing_alg_values_supported: ['RS256'] });
  });
});
