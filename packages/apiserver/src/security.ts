// Authentication and authorization of the running apiserver: the auth module's authenticators and
// authorizers, fed from the watch caches (RBAC objects, pods per node, service accounts), and the
// endpoints that answer reviews and TokenRequests. Also the patch, protobuf, strict-decoding and
// Table modules, joined into the Extensions the HTTP handler calls.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { findResource } from '@kubemu/api';
import type { KubeObject, Pod, ResourceInfo } from '@kubemu/api';
import type { Clock } from '@kubemu/base';
import {
  Authenticator,
  ServiceAccountTokenAuthenticator,
  TokenIssuer,
  forbiddenStatus,
  localSubjectAccessReview,
  newAuthorizer,
  selfSubjectAccessReview,
  selfSubjectReview,
  selfSubjectRulesReview,
  subjectAccessReview,
  tokenRequestResponse,
  validateTokenRequest,
} from './auth';
import type { Pki, RbacObjects, RequestAttributes, TokenFileAuthenticator, UnionAuthorizer } from './auth';
import { decodeProtobufObject } from './http/protobuf-body';
import type { Extensions, UserInfo } from './http/extensions';
import type { RequestInfo, ResourceRequest } from './http/request-info';
import { decodeObject, readBody } from './http/body';
import { send, sendStatus } from './http/resource-handler';
import { badRequest, isStatus, methodNotAllowed } from './http/status';
import type { ApiStatus } from './http/status';
import { strictDecodingStatus, strictFieldErrors } from './openapi';
import { applyPatch, patchTypeOf } from './patch';
import { storeKey } from './registry/registry';
import type { Registry } from './registry/registry';
import { toTable } from './table';
import type { CacheSet } from './storage/cache-set';

const core = (resource: string): ResourceInfo => findResource('', 'v1', resource)!;
const rbac = (resource: string): ResourceInfo => findResource('rbac.authorization.k8s.io', 'v1', resource)!;

/** The RBAC resources and pods the authorizers read; their caches are filled before serving. */
export const AUTHORIZATION_RESOURCES = (): ResourceInfo[] => [rbac('clusterroles'), rbac('clusterrolebindings'), rbac('roles'), rbac('rolebindings'), core('pods')];

function cachedObjects(caches: CacheSet, info: ResourceInfo, namespace?: string): KubeObject[] {
  const prefix = namespace === undefined ? `${info.storePrefix}/` : `${info.storePrefix}/${namespace}/`;
  return caches.get(info).list().items.filter((s) => s.key.startsWith(prefix)).map((s) => s.object);
}

export interface SecurityOptions {
  caches: CacheSet;
  clock: Clock;
  pki?: Pki;
  tokenFile?: TokenFileAuthenticator;
  anonymous: boolean;
  /** --authorization-mode=AlwaysAllow (tests and the benchmark) instead of Node,RBAC. */
  alwaysAllow?: boolean;
}

export interface Security {
  authenticate: Extensions['authenticate'];
  authorize: Extensions['authorize'];
  authorizer: UnionAuthorizer;
  issuer: TokenIssuer | undefined;
}

export function createSecurity(opts: SecurityOptions): Security {
  const { caches } = opts;
  const rbacObjects: RbacObjects = {
    clusterRoles: () => cachedObjects(caches, rbac('clusterroles')) as never,
    clusterRoleBindings: () => cachedObjects(caches, rbac('clusterrolebindings')) as never,
    roles: (ns) => cachedObjects(caches, rbac('roles'), ns) as never,
    roleBindings: (ns) => cachedObjects(caches, rbac('rolebindings'), ns) as never,
  };
  const authorizer = newAuthorizer({
    rbac: rbacObjects,
    nodeGraph: { podsOnNode: (node) => (cachedObjects(caches, core('pods')) as Pod[]).filter((p) => p.spec?.nodeName === node) },
  });
  const exists = async (info: ResourceInfo, namespace: string, name: string, uid: string): Promise<boolean> => {
    const key = storeKey(info, namespace, name);
    const got = caches.get(info).get(key)?.object ?? (await caches.store.get(key))?.object;
    return got !== undefined && got.metadata?.uid === uid;
  };
  const serviceAccounts = opts.pki === undefined ? undefined : new ServiceAccountTokenAuthenticator({
    publicKeyPems: [opts.pki.serviceAccountPublicKeyPem],
    clock: opts.clock,
    getters: {
      serviceAccountExists: (ns, name, uid) => exists(core('serviceaccounts'), ns, name, uid),
      podExists: (ns, name, uid) => exists(core('pods'), ns, name, uid),
      secretExists: (ns, name, uid) => exists(core('secrets'), ns, name, uid),
      nodeExists: (name, uid) => exists(core('nodes'), '', name, uid),
    },
  });
  const authenticator = new Authenticator({
    clock: opts.clock,
    ...(opts.pki === undefined ? {} : { clientCaPem: opts.pki.caCertPem }),
    ...(opts.tokenFile === undefined ? {} : { tokenFile: opts.tokenFile }),
    ...(serviceAccounts === undefined ? {} : { serviceAccounts }),
    anonymous: opts.anonymous,
  });
  return {
    authorizer,
    issuer: opts.pki === undefined ? undefined : new TokenIssuer({ privateKeyPem: opts.pki.serviceAccountPrivateKeyPem, clock: opts.clock }),
    async authenticate(headers, peerCertificate) {
      const r = await authenticator.authenticate({ headers, peerCertificate: (peerCertificate as { raw?: Buffer } | undefined) ?? null });
      return r.ok ? r.user : (r.status as ApiStatus);
    },
    authorize(user, ri, query) {
      if (opts.alwaysAllow === true) return Promise.resolve(undefined);
      const attrs = withQuery(attributesOf(user, ri), query);
      const result = authorizer.authorize(attrs);
      return Promise.resolve(result.decision === 'allow' ? undefined : (forbiddenStatus(attrs, result.reason) as ApiStatus));
    },
  };
}

export function attributesOf(user: UserInfo, ri: RequestInfo): RequestAttributes {
  if (ri.kind === 'nonresource') return { user, verb: ri.verb, resourceRequest: false, path: ri.path };
  const attrs: RequestAttributes = {
    user,
    verb: ri.verb,
    resourceRequest: true,
    apiGroup: ri.group,
    apiVersion: ri.version,
    resource: ri.resource,
    subresource: ri.subresource,
    namespace: ri.resource === 'namespaces' && ri.name !== '' ? ri.name : ri.namespace,
    name: ri.name,
  };
  return attrs;
}

/** Adds what a list or watch URL says about names and fields (kube-apiserver's RequestInfo does the same). */
export function withQuery(attrs: RequestAttributes, query: URLSearchParams): RequestAttributes {
  const fs = query.get('fieldSelector');
  if (fs === null || fs === '') return attrs;
  const out = { ...attrs, fieldSelector: fs };
  const m = /(?:^|,)metadata\.name==?([^,]+)/.exec(fs);
  if (m !== null && (attrs.verb === 'list' || attrs.verb === 'watch')) out.name = m[1]!;
  return out;
}

/** The Extensions of a real apiserver. */
export function extensions(security: Pick<Security, 'authenticate' | 'authorize'>, clock: Clock): Extensions {
  return {
    applyPatch(contentType, original, patch, info) {
      const type = patchTypeOf(contentType);
      if (type === undefined) return undefined;
      const r = applyPatch(type, original, patch, { kind: info.kind, group: info.group });
      return r.ok ? r.object : (r.status as ApiStatus);
    },
    decodeProtobuf: decodeProtobufObject,
    strictErrors: (raw, info) => strictFieldErrors(raw, { group: info.group, version: info.version, kind: info.kind }),
    strictStatus: (info, errors) => strictDecodingStatus({ group: info.group, version: info.version, kind: info.kind }, errors) as ApiStatus,
    toTable: (info, objects, includeObject, listMeta) =>
      toTable(info, objects, { includeObject, now: new Date(clock.wallNow()), ...(listMeta === undefined ? {} : { metadata: listMeta as never }) }),
    authenticate: security.authenticate,
    authorize: security.authorize,
  };
}

/** Resources that are answered rather than stored: access reviews, SelfSubjectReview, TokenRequest. */
export function reviewHandler(security: Security, registry: Registry, clock: Clock) {
  return async (ri: ResourceRequest, user: UserInfo, req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const gr = `${ri.group}/${ri.resource}`;
    const handled = ['authorization.k8s.io/selfsubjectaccessreviews', 'authorization.k8s.io/subjectaccessreviews', 'authorization.k8s.io/localsubjectaccessreviews', 'authorization.k8s.io/selfsubjectrulesreviews', 'authentication.k8s.io/selfsubjectreviews', 'authentication.k8s.io/tokenreviews'];
    const isToken = gr === '/serviceaccounts' && ri.subresource === 'token';
    if (!handled.includes(gr) && !isToken) return false;
    if (ri.verb !== 'create') {
      sendStatus(res, methodNotAllowed({ group: ri.group, resource: ri.resource }, ri.verb));
      return true;
    }
    const raw = await readBody(req);
    if (isStatus(raw)) return (sendStatus(res, raw), true);
    const body = raw.length === 0 ? {} : decodeObject(raw, req.headers['content-type'], decodeProtobufObject);
    if (isStatus(body)) return (sendStatus(res, body), true);
    const review = body as Record<string, unknown>;
    const answer = (r: { ok: true; object: unknown } | { ok: false; status: unknown }): boolean => {
      if (r.ok) send(res, 201, r.object);
      else sendStatus(res, r.status as ApiStatus);
      return true;
    };
    switch (gr) {
      case 'authorization.k8s.io/selfsubjectaccessreviews':
        return answer(selfSubjectAccessReview(security.authorizer, user, review as never));
      case 'authorization.k8s.io/subjectaccessreviews':
        return answer(subjectAccessReview(security.authorizer, review as never));
      case 'authorization.k8s.io/localsubjectaccessreviews':
        return answer(localSubjectAccessReview(security.authorizer, ri.namespace, review as never));
      case 'authorization.k8s.io/selfsubjectrulesreviews':
        return answer(selfSubjectRulesReview(security.authorizer, user, review as never));
      case 'authentication.k8s.io/selfsubjectreviews':
        send(res, 201, selfSubjectReview(user, clock));
        return true;
      case 'authentication.k8s.io/tokenreviews': {
        const token = (review.spec as { token?: string } | undefined)?.token ?? '';
        const who = await security.authenticate({ authorization: `Bearer ${token}` }, undefined);
        const status = isStatus(who) ? { authenticated: false, error: 'invalid bearer token' } : { authenticated: true, user: who, audiences: [] };
        send(res, 201, { ...review, kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', status });
        return true;
      }
      default: {
        if (security.issuer === undefined) return (sendStatus(res, badRequest('service account token issuing is not configured')), true);
        const sa = await registry.get({ info: core('serviceaccounts'), namespace: ri.namespace, name: ri.name });
        if (isStatus(sa)) return (sendStatus(res, sa), true);
        const valid = validateTokenRequest(ri.name, (review.spec ?? {}) as never);
        if (!valid.ok) return (sendStatus(res, valid.status as ApiStatus), true);
        const issued = await security.issuer.issue({
          namespace: ri.namespace,
          name: ri.name,
          uid: sa.object.metadata!.uid!,
          ...(valid.spec.audiences === undefined ? {} : { audiences: valid.spec.audiences }),
          expirationSeconds: valid.spec.expirationSeconds ?? 3600,
        });
        send(res, 201, tokenRequestResponse(ri.namespace, ri.name, valid.spec, issued));
        return true;
      }
    }
  };
}
