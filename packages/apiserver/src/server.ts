// The apiserver process's HTTP(S) surface: discovery, version, health, metrics, OpenAPI and the
// resource API (plain HTTP and websocket watches), each request authenticated and authorized first.
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, Registry as MetricsRegistry, collectDefaultMetrics } from 'prom-client';
import { WebSocketServer } from 'ws';
import type { Clock, Logger } from '@kubemu/base';
import type { AdmissionDeps } from './admission/admission';
import { AGGREGATED_V2, AGGREGATED_V2BETA1, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery/discovery';
import type { Extensions, UserInfo } from './http/extensions';
import { requestInfo } from './http/request-info';
import type { RequestInfo, ResourceRequest } from './http/request-info';
import { proxyUpgradeToKubelet } from './http/kubelet-proxy';
import { handleResource, send, sendStatus } from './http/resource-handler';
import type { HandlerDeps } from './http/resource-handler';
import { failure, internalError, isStatus, unavailable } from './http/status';
import { serveWatch } from './http/watch';
import { websocketSink } from './http/watch-sinks';
import { OPENAPI_V2_PROTOBUF_ALT, negotiateOpenApiV2, openApiV2, openApiV2Protobuf, openApiV3ForGroupVersion, openApiV3Index, parseOpenApiV3Path } from './openapi';
import { makePredicate } from './registry/predicate';
import { Registry } from './registry/registry';
import type { CacheSet } from './storage/cache-set';
import type { ObjectStore } from './storage/object-store';

export interface ServerOptions {
  store: ObjectStore;
  caches: CacheSet;
  admission: AdmissionDeps;
  clock: Clock;
  log: Logger;
  ext: Extensions;
  /** host:port clients should use (discovery's serverAddressByClientCIDRs). */
  advertise: string;
  tls?: { key: string; cert: string; ca: string };
  special?: HandlerDeps['special'];
  /** Readiness: resolves when the store answers. */
  ready(): Promise<boolean>;
}

export interface HttpSurface {
  server: Server;
  registry: Registry;
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

const NOT_FOUND = failure(404, 'NotFound', 'the server could not find the requested resource', {});

export function createSurface(opts: ServerOptions, registry: Registry): HttpSurface {
  const metrics = new MetricsRegistry();
  collectDefaultMetrics({ register: metrics });
  const requests = new Counter({ name: 'apiserver_request_total', help: 'Requests by verb, resource and code', labelNames: ['verb', 'group', 'resource', 'subresource', 'code'], registers: [metrics] });
  const latency = new Histogram({ name: 'apiserver_request_duration_seconds', help: 'Request latency by verb and resource', labelNames: ['verb', 'group', 'resource'], buckets: [0.005, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [metrics] });
  const deps: HandlerDeps = { registry, caches: opts.caches, clock: opts.clock, ext: opts.ext, ...(opts.special === undefined ? {} : { special: opts.special }) };

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  /** Request metrics, counted when the response is finished. */
  const measure = (ri: RequestInfo, res: ServerResponse): void => {
    if (ri.kind !== 'resource') return;
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      requests.inc({ verb: ri.verb, group: ri.group, resource: ri.resource, subresource: ri.subresource, code: String(res.statusCode) });
      if (ri.verb !== 'watch') latency.observe({ verb: ri.verb, group: ri.group, resource: ri.resource }, Number(process.hrtime.bigint() - started) / 1e9);
    });
  };

  /** The resource API: authenticated, authorized, then the generic REST handler. */
  const serveResource = (req: IncomingMessage, res: ServerResponse, ri: ResourceRequest, query: URLSearchParams): void => {
    const fail = (err: unknown): void => {
      if (isTransientStoreError(err)) {
        // The store is electing a leader or unreachable: a retriable answer. client-go (kubectl)
        // retries 5xx answers that carry Retry-After.
        opts.log.warn('store unavailable', { method: req.method, path: pathOf(req.url), err: String(err) });
        if (!res.headersSent) res.setHeader('Retry-After', '1');
        return sendStatus(res, unavailable(`storage is (re)initializing or unavailable: ${(err as Error).message}`));
      }
      opts.log.error('request failed', { method: req.method, path: pathOf(req.url), err: String(err), stack: (err as Error).stack });
      sendStatus(res, internalError(err));
    };
    authorizeRequest(opts.ext, req, ri, query)
      .then((user) => {
        if (isStatus(user)) return sendStatus(res, user);
        return handleResource(deps, ri, user, query, req, res).catch(fail);
      })
      .catch((err: unknown) => sendStatus(res, internalError(err)));
  };

  // Authentication and authorization of every request express serves (all but the resource API).
  app.use((req: Request, res: Response, next: NextFunction) => {
    const query = new URL(req.originalUrl, 'http://x').searchParams;
    const ri = requestInfo(req.method, req.path, query);
    measure(ri, res);
    authorizeRequest(opts.ext, req, ri, query)
      .then((user) => {
        if (isStatus(user)) return sendStatus(res, user);
        res.locals.user = user;
        res.locals.ri = ri;
        res.locals.query = query;
        next();
      })
      .catch((err: unknown) => sendStatus(res, internalError(err)));
  });

  app.get('/version', (_req, res) => send(res, 200, versionInfo()));
  for (const p of ['/healthz', '/livez', '/readyz']) {
    app.get([p, `${p}/*`], (_req, res) => {
      opts.ready().then(
        (ok) => {
          res.status(ok ? 200 : 500).type('text/plain').send(ok ? 'ok' : '[-]etcd failed: reason withheld\nhealthz check failed');
        },
        () => res.status(500).type('text/plain').send('[-]etcd failed: reason withheld\nhealthz check failed'),
      );
    });
  }
  app.get('/metrics', (_req, res) => {
    metrics.metrics().then((text) => res.type(metrics.contentType).send(text), (err: unknown) => sendStatus(res, internalError(err)));
  });
  app.get('/openapi/v2', (req, res) => {
    const form = negotiateOpenApiV2(req.headers.accept);
    if (form === undefined) return sendStatus(res, failure(406, 'NotAcceptable', 'only the following media types are accepted: application/json, application/com.github.proto-openapi.spec.v2@v1.0+protobuf'));
    if (form === 'json') return send(res, 200, openApiV2());
    res.status(200).set({ 'Content-Type': OPENAPI_V2_PROTOBUF_ALT }).send(Buffer.from(openApiV2Protobuf()));
  });
  app.get('/openapi/v3', (_req, res) => send(res, 200, openApiV3Index()));
  app.get('/openapi/v3/*', (req, res) => {
    const gv = parseOpenApiV3Path(req.path.slice('/openapi/v3/'.length));
    const doc = gv === undefined ? undefined : openApiV3ForGroupVersion(gv);
    if (doc === undefined) sendStatus(res, NOT_FOUND);
    else send(res, 200, doc);
  });
  app.get(['/api', '/api/'], (req, res) => discovery(req, res, true, () => apiVersions(opts.advertise)));
  app.get(['/apis', '/apis/'], (req, res) => discovery(req, res, false, () => apiGroupList()));
  app.get('/api/v1', (_req, res) => send(res, 200, apiResourceList('', 'v1')));
  app.get('/apis/:group', (req, res) => {
    const g = apiGroup(req.params.group ?? '');
    if (g === undefined) sendStatus(res, NOT_FOUND);
    else send(res, 200, g);
  });
  app.get('/apis/:group/:version', (req, res) => {
    const l = apiResourceList(req.params.group ?? '', req.params.version ?? '');
    if (l === undefined) sendStatus(res, NOT_FOUND);
    else send(res, 200, l);
  });
  app.all(['/api/*', '/apis/*'], (req, res) => {
    const ri = res.locals.ri as RequestInfo;
    if (ri.kind !== 'resource') return sendStatus(res, NOT_FOUND);
    serveResource(req, res, ri, res.locals.query as URLSearchParams);
  });
  app.use((_req: Request, res: Response) => sendStatus(res, NOT_FOUND));

  // Resource requests (nearly all of the traffic) skip express: its router, query parser and
  // request decoration cost more than the rest of a small write. Everything else goes to the app.
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    if (url.startsWith('/api/') || url.startsWith('/apis/')) {
      const q = url.indexOf('?');
      const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
      const ri = requestInfo(req.method ?? 'GET', q < 0 ? url : url.slice(0, q), query);
      if (ri.kind === 'resource') {
        measure(ri, res);
        serveResource(req, res, ri, query);
        return;
      }
    }
    app(req, res);
  };
  const server: Server = opts.tls === undefined
    ? createHttpServer(listener)
    : createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false }, listener);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const ri = requestInfo('GET', url.pathname, url.searchParams);
    if (ri.kind === 'resource' && ri.info !== undefined && ['exec', 'attach', 'portforward'].includes(ri.subresource)) {
      const connect: ResourceRequest = { ...ri, verb: 'create' };
      const info = ri.info;
      authorizeRequest(opts.ext, req, connect, url.searchParams)
        .then((user) => {
          if (isStatus(user)) {
            socket.end(`HTTP/1.1 ${user.code} ${user.reason ?? ''}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(user)}`);
            return;
          }
          return proxyUpgradeToKubelet(deps, { info, namespace: ri.namespace, name: ri.name }, connect, url.searchParams, req, socket, head);
        })
        .catch(() => socket.destroy());
      return;
    }
    if (ri.kind !== 'resource' || ri.verb !== 'watch' || ri.info === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    const info = ri.info;
    authorizeRequest(opts.ext, req, ri, url.searchParams)
      .then((user) => {
        if (isStatus(user)) {
          socket.end(`HTTP/1.1 ${user.code} ${user.reason ?? ''}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(user)}`);
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          const pred = makePredicate(info, ri.namespace, url.searchParams.get('labelSelector') ?? undefined, url.searchParams.get('fieldSelector') ?? undefined);
          const sink = websocketSink(ws);
          if (isStatus(pred)) {
            sink.send('ERROR', pred);
            sink.close();
            return;
          }
          serveWatch(opts.store, opts.caches.get(info), opts.clock, {
            info,
            pred,
            resourceVersion: url.searchParams.get('resourceVersion') ?? undefined,
            timeoutSeconds: Number(url.searchParams.get('timeoutSeconds') ?? 1800),
            allowBookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
          }, sink).catch((err: unknown) => opts.log.warn('websocket watch failed', { err: String(err) }));
        });
      })
      .catch(() => socket.destroy());
  });

  return {
    server,
    registry,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () =>
      new Promise((resolve) => {
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function authorizeRequest(ext: Extensions, req: IncomingMessage, ri: RequestInfo, query: URLSearchParams): Promise<UserInfo | ReturnType<typeof failure>> {
  const peer = (req.socket as TLSSocket).getPeerCertificate?.(true);
  const authenticated = await ext.authenticate(req.headers, peer !== undefined && Object.keys(peer).length > 0 ? peer : undefined);
  if (isStatus(authenticated)) return authenticated;
  const user = await impersonate(ext, authenticated, req.headers);
  if (isStatus(user)) return user;
  const denied = await ext.authorize(user, ri, query);
  return denied ?? user;
}

const header = (h: IncomingMessage['headers'], name: string): string[] => {
  const v = h[name];
  return v === undefined ? [] : Array.isArray(v) ? v : v.split(',').map((x) => x.trim());
};

/**
 * Impersonate-User / Impersonate-Group / Impersonate-Uid (kubectl --as, --as-group): the request
 * runs as that user, if the caller may `impersonate` each of them (kube-apiserver's impersonation
 * filter).
 */
async function impersonate(ext: Extensions, user: UserInfo, h: IncomingMessage['headers']): Promise<UserInfo | ReturnType<typeof failure>> {
  const as = header(h, 'impersonate-user')[0];
  const groups = header(h, 'impersonate-group');
  if (as === undefined) {
    if (groups.length > 0) return failure(500, 'InternalError', 'Internal error occurred: requested [Impersonate-Group] without impersonating a user');
    return user;
  }
  const checks: { resource: string; name: string }[] = [{ resource: as.startsWith('system:serviceaccount:') ? 'serviceaccounts' : 'users', name: as }, ...groups.map((g) => ({ resource: 'groups', name: g }))];
  for (const c of checks) {
    const ri: RequestInfo = { kind: 'resource', verb: 'impersonate' as never, group: '', version: 'v1', resource: c.resource, info: undefined, namespace: '', name: c.name, subresource: '' };
    const denied = await ext.authorize(user, ri, new URLSearchParams());
    if (denied !== undefined) {
      return failure(403, 'Forbidden', `${c.resource} "${c.name}" is forbidden: User "${user.username}" cannot impersonate resource "${c.resource}" in API group "" at the cluster scope`, { name: c.name, kind: c.resource });
    }
  }
  const sa = /^system:serviceaccount:([^:]+):/.exec(as);
  const implied = as === 'system:anonymous' ? ['system:unauthenticated'] : ['system:authenticated', ...(sa !== null ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1]!}`] : [])];
  const uid = header(h, 'impersonate-uid')[0];
  return { username: as, groups: [...new Set([...groups, ...implied])], ...(uid === undefined ? {} : { uid }) };
}

function discovery(req: Request, res: Response, legacy: boolean, plain: () => object): void {
  const accept = req.headers.accept ?? '';
  const v2 = accept.includes('v=v2;') || accept.includes('v=v2,') || accept.endsWith('v=v2;as=APIGroupDiscoveryList');
  if (accept.includes('as=APIGroupDiscoveryList') && (v2 || accept.includes('v=v2beta1'))) {
    const type = v2 ? AGGREGATED_V2 : AGGREGATED_V2BETA1;
    const doc = aggregatedDiscovery(legacy) as { apiVersion: string };
    if (!v2) doc.apiVersion = 'apidiscovery.k8s.io/v2beta1';
    res.status(200).set({ 'Content-Type': type, 'Cache-Control': 'no-cache, private' }).send(JSON.stringify(doc));
    return;
  }
  send(res, 200, plain());
}

export type { ResourceRequest };

/** The path of a request URL, without its query (for logs). */
function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q < 0 ? u : u.slice(0, q);
}

/** gRPC UNAVAILABLE / DEADLINE_EXCEEDED and etcd's election-time errors: the request may be retried. */
export function isTransientStoreError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  const msg = String((err as Error).message ?? err);
  return code === 14 || code === 4 || /etcdserver: (leader changed|no leader|request timed out|too many requests)/.test(msg);
}
