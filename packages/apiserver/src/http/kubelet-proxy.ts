// pods/log, exec, attach, portforward and proxy go to the kubelet of the pod's node
// (https://<node InternalIP>:<kubelet port>/containerLogs/...). Until a node runs a kubelet the
// connection fails, and the client gets the Status kube-apiserver gives for an unreachable kubelet.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { findResource } from '@kubemu/api';
import type { KubeObject, Node, Pod } from '@kubemu/api';
import type { Scope } from '../registry/registry';
import type { HandlerDeps } from './resource-handler';
import { sendStatus } from './resource-handler';
import type { ResourceRequest } from './request-info';
import { badRequest, failure, isStatus, notFound } from './status';

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

export async function proxyToKubelet(deps: HandlerDeps, scope: Scope, ri: ResourceRequest, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (scope.info.resource !== 'pods') {
    sendStatus(res, failure(404, 'NotFound', 'the server could not find the requested resource'));
    return;
  }
  const got = await deps.registry.get(scope);
  if (isStatus(got)) return sendStatus(res, got);
  const pod = got.object as Pod;
  const nodeName = pod.spec?.nodeName;
  if (nodeName === undefined || nodeName === '') return sendStatus(res, badRequest(`pod ${scope.name} does not have a host assigned`));
  if (ri.subresource === 'log' && !query.has('container') && (pod.spec?.containers.length ?? 0) > 1) {
    const names = pod.spec!.containers.map((c) => c.name).join(' ');
    return sendStatus(res, badRequest(`a container name must be specified for pod ${scope.name}, choose one of: [${names}]`));
  }
  if (!query.has('container') && pod.spec?.containers[0] !== undefined) query.set('container', pod.spec.containers[0].name);
  const nodes = findResource('', 'v1', 'nodes')!;
  const n = await deps.registry.get({ info: nodes, namespace: '', name: nodeName });
  if (isStatus(n)) return sendStatus(res, notFound({ group: '', resource: 'nodes', name: nodeName }));
  const addr = nodeAddress(n.object as KubeObject as Node);
  if (addr === undefined) return sendStatus(res, failure(500, 'InternalError', `no preferred addresses found; known addresses: []`));
  const path = kubeletPath(ri, scope, query);
  const url = `https://${addr.host}:${addr.port}${path}`;
  await new Promise<void>((resolve) => {
    const up = httpsRequest(
      { host: addr.host, port: addr.port, path, method: req.method ?? 'GET', headers: { ...req.headers, host: `${addr.host}:${addr.port}` }, rejectUnauthorized: false, timeout: 5000 },
      (kres) => {
        res.writeHead(kres.statusCode ?? 502, kres.headers);
        kres.pipe(res);
        kres.on('end', resolve);
      },
    );
    up.on('timeout', () => up.destroy(new Error(`dial tcp ${addr.host}:${addr.port}: i/o timeout`)));
    up.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ECONNREFUSED' ? `dial tcp ${addr.host}:${addr.port}: connect: connection refused` : err.message;
      sendStatus(res, failure(500, 'InternalError', `Get "${url}": ${why}`));
      resolve();
    });
    req.pipe(up);
  });
}
