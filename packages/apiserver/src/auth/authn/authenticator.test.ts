import * as crypto from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '@kubemu/base';
import type { Pki } from '../pki/pki';
import { ensurePki, issueClientCertificate } from '../pki/pki';
import { Authenticator } from './authenticator';
import { ServiceAccountTokenAuthenticator, TokenIssuer } from './service-account-token';
import { TokenFileAuthenticator, parseTokenFile } from './token-file';

let dir: string;
let pki: Pki;
let otherPki: Pki;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubemu-authn-'));
  pki = await ensurePki(path.join(dir, 'a'), { serverNames: [], serverIps: [] });
  otherPki = await ensurePki(path.join(dir, 'b'), { serverNames: [], serverIps: [] });
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function build(opts: { anonymous?: boolean } = {}) {
  const clock = new ManualClock(0, Date.now());
  const parsed = parseTokenFile('file-token,carol,uid-7,"ops,dev"\n');
  if (!parsed.ok) throw new Error(parsed.error);
  const issuer = new TokenIssuer({ privateKeyPem: pki.serviceAccountPrivateKeyPem, clock });
  const serviceAccounts = new ServiceAccountTokenAuthenticator({
    publicKeyPems: [pki.serviceAccountPublicKeyPem],
    clock,
    getters: { serviceAccountExists: (ns, name, uid) => ns === 'default' && name === 'robot' && uid === 'sa-1' },
  });
  const authn = new Authenticator({ clock, clientCaPem: pki.caCertPem, tokenFile: new TokenFileAuthenticator(parsed.tokens), serviceAccounts, ...opts });
  return { authn, issuer };
}

const raw = (certPem: string): Buffer => new crypto.X509Certificate(certPem).raw;
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const UNAUTHORIZED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

describe('Authenticator', () => {
  it('takes the user from a client certificate the cluster CA issued: CN the name, O the groups', async () => {
    const { authn } = build();
    const admin = await issueClientCertificate(pki, { commonName: 'kubernetes-admin', organizations: ['system:masters'] });
    expect(await authn.authenticate({ headers: {}, peerCertificate: { raw: raw(admin.certPem) } })).toEqual({
      ok: true,
      user: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
    });
  });

  it('answers 401 to a certificate from another CA, rather than treating the request as anonymous', async () => {
    const { authn } = build();
    const foreign = await issueClientCertificate(otherPki, { commonName: 'kubernetes-admin', organizations: ['system:masters'] });
    const result = await authn.authenticate({ headers: {}, peerCertificate: { raw: raw(foreign.certPem) } });
    expect(result).toEqual({ ok: false, status: UNAUTHORIZED, error: 'verifying certificate: x509: certificate signed by unknown authority' });
  });

  it('still accepts a good bearer token next to a bad certificate (the union goes on past errors)', async () => {
    const { authn } = build();
    const foreign = await issueClientCertificate(otherPki, { commonName: 'mallory' });
    const result = await authn.authenticate({ headers: { authorization: 'Bearer file-token' }, peerCertificate: { raw: raw(foreign.certPem) } });
    expect(result.ok && result.user.username).toBe('carol');
  });

  it('authenticates token-file tokens with uid and groups', async () => {
    const { authn } = build();
    expect(await authn.authenticate(bearer('file-token'))).toEqual({
      ok: true,
      user: { username: 'carol', uid: 'uid-7', groups: ['ops', 'dev', 'system:authenticated'] },
    });
  });

  it('authenticates service account tokens it issued', async () => {
    const { authn, issuer } = build();
    const { token } = issuer.issue({ namespace: 'default', name: 'robot', uid: 'sa-1', expirationSeconds: 3600 });
    const result = await authn.authenticate(bearer(token));
    expect(result.ok && result.user.username).toBe('system:serviceaccount:default:robot');
    expect(result.ok && result.user.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
  });

  it('answers a bad or stale bearer token with 401 Unauthorized', async () => {
    const { authn, issuer } = build();
    expect(await authn.authenticate(bearer('nope'))).toEqual({ ok: false, status: UNAUTHORIZED, error: 'invalid bearer token' });
    const deleted = issuer.issue({ namespace: 'default', name: 'gone', uid: 'sa-2', expirationSeconds: 3600 }).token;
    const result = await authn.authenticate(bearer(deleted));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.status).toEqual(UNAUTHORIZED);
  });

  it('treats a request without credentials as system:anonymous, unless anonymous auth is off', async () => {
    expect(await build().authn.authenticate({ headers: {}, peerCertificate: {} })).toEqual({
      ok: true,
      user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
    });
    expect(await build().authn.authenticate({ headers: { authorization: 'Basic dXNlcjpwYXNz' } })).toEqual({
      ok: true,
      user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
    });
    expect((await build({ anonymous: false }).authn.authenticate({ headers: {} })).ok).toBe(false);
  });

  it('reads a bearer token from the WebSocket subprotocol of an upgrade request', async () => {
    const { authn } = build();
    const protocol = `base64url.bearer.authorization.k8s.io.${Buffer.from('file-token').toString('base64url')}`;
    const headers = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': `v4.channel.k8s.io, ${protocol}` };
    const result = await authn.authenticate({ headers });
    expect(result.ok && result.user.username).toBe('carol');
    expect(await authn.authenticate({ headers: { ...headers, 'sec-websocket-protocol': `${protocol}, ${protocol}` } })).toEqual({
      ok: false,
      status: UNAUTHORIZED,
      error: 'multiple base64.bearer.authorization tokens specified',
    });
  });
});
