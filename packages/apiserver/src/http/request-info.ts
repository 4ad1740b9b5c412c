// What a request is about, from its method and path (kube-apiserver's RequestInfoFactory):
// /api/v1/namespaces/default/pods/web/status -> verb update of pods/status "web" in "default".
import { findResource } from '@kubemu/api';
import type { ResourceInfo } from '@kubemu/api';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'proxy' | 'connect';

export interface ResourceRequest {
  kind: 'resource';
  verb: Verb;
  group: string;
  version: string;
  /** The plural resource as written in the URL (it may name no known resource). */
  resource: string;
  info: ResourceInfo | undefined;
  namespace: string;
  name: string;
  subresource: string;
}

export interface NonResourceRequest {
  kind: 'nonresource';
  verb: string;
  path: string;
}

export type RequestInfo = ResourceRequest | NonResourceRequest;

const METHOD_VERBS: Record<string, Verb> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const parts = path.split('/').filter((p) => p !== '');
  const nonResource = (): NonResourceRequest => ({ kind: 'nonresource', verb: method.toLowerCase() === 'head' ? 'get' : method.toLowerCase(), path });
  let rest: string[];
  let group: string;
  let version: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return nonResource();
  }
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize')) {
    // /api/v1/namespaces/<name>/status|finalize: subresources of the namespace object itself.
  } else if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  } else if (rest[0] === 'namespaces' && rest.length === 2) {
    // /api/v1/namespaces/<name>: the namespace object itself.
    rest = ['namespaces', rest[1]!];
  }
  const [resource = '', name = '', subresource = '', ...extra] = rest;
  if (resource === '' || (extra.length > 0 && subresource !== 'proxy')) return nonResource();
  let verb: Verb;
  const watchParam = query.get('watch');
  const isWatch = watchPrefix || watchParam === 'true' || watchParam === '1';
  if (method === 'GET' || method === 'HEAD') verb = isWatch ? 'watch' : name === '' ? 'list' : 'get';
  else if (method === 'DELETE' && name === '') verb = 'deletecollection';
  else verb = METHOD_VERBS[method] ?? 'get';
  return {
    kind: 'resource',
    verb,
    group,
    version,
    resource,
    info: findResource(group, version, resource),
    namespace: resource === 'namespaces' ? '' : namespace,
    name,
    subresource,
  };
}
