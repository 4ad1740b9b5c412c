// pods/log, exec, attach, portforward and proxy go to the kubelet of the pod's node
// (https://<node InternalIP>:<kubelet port>/containerLogs/...). Until a node runs a kubelet the
// connection fails, and the client gets the Status kube-apiserver gives for an unreachable kubelet.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { findResource } from '@kubemu/api';
import type { KubeObject, Node, Pod } from '@kubemu/api';
import type { Scope } from '../registry/registry';
import type { HandlerDeps } from './resource-handler';
import { sendStatus } from './resource-handler';
import type { ResourceRequest } from './request-info';
import { badRequest, failure, isStatus, notFound } from './status';
import type { ApiStatus } from './status';

function kubeletPath(ri: ResourceRequest, scope: Scope, query: URLSearchParams): string {
  const container = query.get('container') ?? '';
  const q = new URLSearchParams(query);
  q.delete('container');
  const qs = q.toString();
  const suffix = qs === '' ? '' : `?${qs}`;
  switch (ri.subresource) {
    case 'log':
      return `/containerLogs/${scope.namespace}/${scope.name}/${container}${suffix}`;
    case 'exec':
    case 'attach':
      return `/${ri.subresource}/${scope.namespace}/${scope.name}/${container}${suffix}`;
    case 'portforward':
      return `/portForward/${scope.namespace}/${scope.name}${suffix}`;
    default:
      return `/${suffix}`;
  }
}

function nodeAddress(node: Node): { host: string; port: number } | undefined {
  const addr = node.status?.addresses?.find((a) => a.type === 'InternalIP') ?? node.status?.addresses?.[0];
  if (addr === undefined) return undefined;
  return { host: addr.address, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250 };
}

export interface KubeletTarget {
  host: string;
  port: number;
  path: string;
}

/** Where a pod subresource request goes: the kubelet of the pod's node, or why it cannot. */
export async function kubeletTarget(deps: HandlerDeps, scope: Scope, ri: ResourceRequest, query: URLSearchParams): Promise<KubeletTarget | ApiStatus> {
  if (scope.info.resource !== 'pods') return failure(404, 'NotFound', 'the server could not find the requested resource');
  const got = await deps.registry.get(scope);
  if (isStatus(got)) return got;
  const pod = got.object as Pod;
  const nodeName = pod.spec?.nodeName;
  if (nodeName === undefined || nodeName === '') return badRequest(`pod ${scope.name} does not have a host assigned`);
  if (ri.subresource === 'log' && !query.has('container') && (pod.spec?.containers.length ?? 0) > 1) {
    const names = pod.spec!.containers.map((c) => c.name).join(' ');
    return badRequest(`a container name must be specified for pod ${scope.name}, choose one of: [${names}]`);
  }
  if (!query.has('container') && pod.spec?.containers[0] !== undefined) query.set('container', pod.spec.containers[0].name);
  const nodes = findResource('', 'v1', 'nodes')!;
  const n = await deps.registry.get({ info: nodes, namespace: '', name: nodeName });
  if (isStatus(n)) return notFound({ group: '', resource: 'nodes', name: nodeName });
  const addr = nodeAddress(n.object as KubeObject as Node);
  if (addr === undefined) return failure(500, 'InternalError', `no preferred addresses found; known addresses: []`);
  return { ...addr, path: kubeletPath(ri, scope, query) };
}

export function unreachable(t: KubeletTarget, err: NodeJS.ErrnoException): ApiStatus {
  const why = err.code === 'ECONNREFUSED' ? `dial tcp ${t.host}:${t.port}: connect: connection refused` : err.message;
  return failure(500, 'InternalError', `Get "https://${t.host}:${t.port}${t.path}": ${why}`);
}

export async function proxyToKubelet(deps: HandlerDeps, scope: Scope, ri: ResourceRequest, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const t = await kubeletTarget(deps, scope, ri, query);
  if (isStatus(t)) return sendStatus(res, t);
  await new Promise<void>((resolve) => {
    const up = httpsRequest(
      { host: t.host, port: t.port, path: t.path, method: req.method ?? 'GET', headers: { ...req.headers, host: `${t.host}:${t.port}` }, rejectUnauthorized: false, timeout: 5000 },
      (kres) => {
        res.writeHead(kres.statusCode ?? 502, kres.headers);
        kres.pipe(res);
        kres.on('end', resolve);
      },
    );
    up.on('timeout', () => up.destroy(new Error(`dial tcp ${t.host}:${t.port}: i/o timeout`)));
    up.on('error', (err: NodeJS.ErrnoException) => {
      sendStatus(res, unreachable(t, err));
      resolve();
    });
    req.pipe(up);
  });
}

/**
 * exec, attach and portforward arrive as upgrades (websocket or SPDY): the request head is replayed
 * to the kubelet over TLS and the two sockets are joined, so the kubelet answers the upgrade itself.
 */
export async function proxyUpgradeToKubelet(deps: HandlerDeps, scope: Scope, ri: ResourceRequest, query: URLSearchParams, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const t = await kubeletTarget(deps, scope, ri, query);
  const fail = (s: ApiStatus): void => {
    const body = JSON.stringify(s);
    socket.end(`HTTP/1.1 ${s.code} ${s.reason ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };
  if (isStatus(t)) return fail(t);
  let joined = false;
  const upstream = tlsConnect({ host: t.host, port: t.port, rejectUnauthorized: false }, () => {
    joined = true;
    const lines = [`${req.method ?? 'GET'} ${t.path} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      lines.push(name.toLowerCase() === 'host' ? `Host: ${t.host}:${t.port}` : `${name}: ${req.rawHeaders[i + 1]!}`);
    }
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.setTimeout(5000, () => upstream.destroy(new Error(`dial tcp ${t.host}:${t.port}: i/o timeout`)));
  upstream.once('secureConnect', () => upstream.setTimeout(0));
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (joined) socket.destroy();
    else fail(unreachable(t, err));
  });
  socket.on('error', () => upstream.destroy());
}
