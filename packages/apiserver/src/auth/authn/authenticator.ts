// Request authentication as kube-apiserver chains it: a client certificate issued by the cluster
// CA, then a bearer token (the Authorization header, or the base64url.bearer.authorization.k8s.io
// WebSocket subprotocol) tried against the token file and then service account tokens. The first
// source that recognises the request decides; if a source recognised credentials but rejected
// them and nothing else accepted the request, it is a 401, never anonymous. A request with no
// credentials is system:anonymous in group system:unauthenticated.
import * as crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '@kubemu/base';
import type { AuthStatus } from '../status';
import { unauthorizedStatus } from '../status';
import type { UserInfo } from '../user';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS } from '../user';
import { verifyClientCertificate } from '../pki/x509';
import type { ServiceAccountTokenAuthenticator } from './service-account-token';
import type { TokenFileAuthenticator } from './token-file';

export interface AuthenticationRequest {
  headers: IncomingHttpHeaders;
  /**
   * The TLS client certificate (tls.TLSSocket#getPeerCertificate()); only `raw` is read. Node
   * returns an empty object when the client sent none.
   */
  peerCertificate?: { raw?: Buffer } | null;
}

export type AuthenticationResult =
  | { ok: true; user: UserInfo }
  /** `error` says why, for the log; the response is always the bare 401 Unauthorized. */
  | { ok: false; status: AuthStatus; error: string };

export interface AuthenticatorOptions {
  clock: Clock;
  /** --client-ca-file: the CA whose client certificates are accepted; absent: none are. */
  clientCaPem?: string;
  tokenFile?: TokenFileAuthenticator;
  serviceAccounts?: ServiceAccountTokenAuthenticator;
  /** --anonymous-auth; true by default, as in kube-apiserver. */
  anonymous?: boolean;
}

type Outcome = { kind: 'user'; user: UserInfo } | { kind: 'noOpinion' } | { kind: 'error'; error: string };

const WEBSOCKET_BEARER_PREFIX = 'base64url.bearer.authorization.k8s.io.';

export class Authenticator {
  private readonly clientCa: crypto.X509Certificate | undefined;

  constructor(private readonly opts: AuthenticatorOptions) {
    this.clientCa = opts.clientCaPem === undefined ? undefined : new crypto.X509Certificate(opts.clientCaPem);
  }

  async authenticate(req: AuthenticationRequest): Promise<AuthenticationResult> {
    const errors: string[] = [];
    for (const source of [(): Outcome => this.clientCertificate(req), () => this.bearerToken(req), () => this.webSocketToken(req)]) {
      const outcome = await source();
      if (outcome.kind === 'user') return { ok: true, user: withAuthenticatedGroup(outcome.user) };
      if (outcome.kind === 'error') errors.push(outcome.error);
    }
    if (errors.length > 0) return { ok: false, status: unauthorizedStatus(), error: errors.join('; ') };
    if (this.opts.anonymous === false) return { ok: false, status: unauthorizedStatus(), error: 'no credentials and anonymous requests are disabled' };
    return { ok: true, user: { username: ANONYMOUS, groups: [ALL_UNAUTHENTICATED] } };
  }

  /** CN is the user name and each O a group; a certificate without a CN is not a credential. */
  private clientCertificate(req: AuthenticationRequest): Outcome {
    const raw = req.peerCertificate?.raw;
    if (raw === undefined || raw.length === 0 || this.clientCa === undefined) return { kind: 'noOpinion' };
    const check = verifyClientCertificate(raw, this.clientCa, this.opts.clock.wallNow());
    if (!check.ok) return { kind: 'error', error: `verifying certificate: ${check.error}` };
    if (check.subject.commonName === '') return { kind: 'noOpinion' };
    return { kind: 'user', user: { username: check.subject.commonName, groups: [...(check.subject.organizations ?? [])] } };
  }

  private async bearerToken(req: AuthenticationRequest): Promise<Outcome> {
    const header = req.headers.authorization?.trim() ?? '';
    if (header === '') return { kind: 'noOpinion' };
    const parts = header.split(' ');
    // `Bearer <token>`; an empty token (as in `Bearer  x`) is no credential at all.
    if (parts.length < 2 || parts[0]?.toLowerCase() !== 'bearer' || parts[1] === '') return { kind: 'noOpinion' };
    return this.token(parts[1] as string);
  }

  /** Browsers cannot set headers on a WebSocket; kubectl-like clients pass the token as a subprotocol. */
  private async webSocketToken(req: AuthenticationRequest): Promise<Outcome> {
    const upgrade = req.headers.upgrade?.toLowerCase();
    const connection = (req.headers.connection ?? '').toLowerCase();
    if (upgrade !== 'websocket' || !connection.split(',').some((t) => t.trim() === 'upgrade')) return { kind: 'noOpinion' };
    const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const bearer = protocols.filter((p) => p.startsWith(WEBSOCKET_BEARER_PREFIX));
    if (bearer.length === 0) return { kind: 'noOpinion' };
    if (bearer.length > 1) return { kind: 'error', error: 'multiple base64.bearer.authorization tokens specified' };
    const encoded = (bearer[0] as string).slice(WEBSOCKET_BEARER_PREFIX.length);
    if (!/^[A-Za-z0-9_-]*$/.test(encoded)) return { kind: 'error', error: 'invalid base64.bearer.authorization token encoding' };
    const token = Buffer.from(encoded, 'base64url').toString('utf8');
    if (token === '') return { kind: 'error', error: 'invalid base64.bearer.authorization token' };
    return this.token(token);
  }

  /** A presented token that no token authenticator accepts is an error: bad tokens are not anonymous. */
  private async token(token: string): Promise<Outcome> {
    const errors: string[] = [];
    const fromFile = this.opts.tokenFile?.authenticateToken(token);
    if (fromFile !== undefined) return { kind: 'user', user: fromFile };
    if (this.opts.serviceAccounts !== undefined) {
      const sa = await this.opts.serviceAccounts.authenticateToken(token);
      if (sa.kind === 'user') return sa;
      if (sa.kind === 'error') errors.push(sa.error);
    }
    return { kind: 'error', error: errors.length > 0 ? errors.join('; ') : 'invalid bearer token' };
  }
}

/** Every authenticated user is in system:authenticated (unless it claims to be unauthenticated). */
function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.username === ANONYMOUS) return user;
  if (user.groups.includes(ALL_AUTHENTICATED) || user.groups.includes(ALL_UNAUTHENTICATED)) return user;
  return { ...user, groups: [...user.groups, ALL_AUTHENTICATED] };
}
