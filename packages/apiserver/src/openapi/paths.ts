// The REST paths and operations of each resource, as kube-apiserver publishes them in its OpenAPI
// documents, in a neutral form that v2.ts and v3.ts render. kubectl reads two things here: the
// x-kubernetes-group-version-kind of an operation (explain maps a resource to its schema through
// it; apply finds the PATCH operation of a kind through it) and the query parameters of that PATCH
// operation (fieldValidation there means the server validates fields, so kubectl does not).
import type { ResourceInfo } from '@kubemu/api';
import { definitionName } from './definitions';
import type { GroupVersionKind } from './definitions';

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const STATUS_DEF = `${META}.Status`;
export const DELETE_OPTIONS_DEF = `${META}.DeleteOptions`;
export const PATCH_DEF = `${META}.Patch`;

export interface Parameter {
  readonly name: string;
  readonly in: 'query' | 'path';
  readonly type: 'string' | 'boolean' | 'integer';
  readonly description: string;
  readonly required?: boolean;
}

export type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
export type Action = 'list' | 'get' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';

export interface Response {
  readonly code: string;
  readonly description: string;
  /** Definition name of the response body, if it has one. */
  readonly schema?: string;
}

export interface Operation {
  readonly method: Method;
  readonly operationId: string;
  readonly description: string;
  readonly tag: string;
  readonly action: Action;
  readonly gvk: GroupVersionKind;
  /** Operation-level query parameters (dryRun, fieldManager, fieldValidation, ...). */
  readonly parameters: readonly Parameter[];
  /** Definition name of the request body. */
  readonly body?: string;
  readonly responses: readonly Response[];
}

export interface PathItem {
  readonly path: string;
  /** Path-level parameters, shared by the operations: name, namespace, pretty. */
  readonly parameters: readonly Parameter[];
  readonly operations: readonly Operation[];
}

const q = (name: string, type: Parameter['type'], description: string): Parameter => ({ name, in: 'query', type, description });

const P = {
  name: (kind: string): Parameter => ({ name: 'name', in: 'path', type: 'string', required: true, description: `name of the ${kind}` }),
  namespace: { name: 'namespace', in: 'path', type: 'string', required: true, description: 'object name and auth scope, such as for teams and projects' } as Parameter,
  pretty: q('pretty', 'string', "If 'true', then the output is pretty printed."),
  dryRun: q('dryRun', 'string', 'When present, indicates that modifications should not be persisted. The only valid value is All: all dry run stages are processed.'),
  fieldManager: q('fieldManager', 'string', 'A name associated with the actor or entity that is making these changes, at most 128 printable characters.'),
  fieldValidation: q(
    'fieldValidation',
    'string',
    'How the server handles objects with unknown or duplicate fields: Ignore drops them silently, Warn drops them and answers with a Warning header for each, Strict fails the request with BadRequest. Defaults to Warn when the request carries no fieldValidation.',
  ),
  force: q('force', 'boolean', 'Force "apply" requests to take ownership of conflicting fields; must be unset for other patch types.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted; zero means delete immediately.'),
  orphanDependents: q('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy. Whether dependent objects should be orphaned.'),
  propagationPolicy: q('propagationPolicy', 'string', "Whether and how garbage collection is performed: 'Orphan', 'Background' or 'Foreground'."),
  list: [
    q('allowWatchBookmarks', 'boolean', 'Requests watch events of type BOOKMARK; servers may ignore it.'),
    q('continue', 'string', 'The continue token of a previous paged list call, to fetch the next page.'),
    q('fieldSelector', 'string', 'A selector to restrict the returned objects by their fields. Defaults to everything.'),
    q('labelSelector', 'string', 'A selector to restrict the returned objects by their labels. Defaults to everything.'),
    q('limit', 'integer', 'The maximum number of responses to return for a list call; more may be fetched with continue.'),
    q('resourceVersion', 'string', 'Constrains which resource versions the request may be served from.'),
    q('resourceVersionMatch', 'string', 'Determines how resourceVersion is applied to list calls.'),
    q('sendInitialEvents', 'boolean', 'With watch=true, starts the watch stream with synthetic events for the current state.'),
    q('timeoutSeconds', 'integer', 'Timeout for the list/watch call, regardless of activity.'),
    q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
  ] as Parameter[],
};

/** "rbac.authorization.k8s.io" -> "RbacAuthorization", "" -> "Core": the group part of operationIds. */
function groupCamel(group: string): string {
  if (group === '') return 'Core';
  return group
    .replace(/\.k8s\.io$/, '')
    .split('.')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

/** "core_v1", "rbacAuthorization_v1": the tag kube-apiserver gives a group version's operations. */
export function groupVersionTag(group: string, version: string): string {
  const camel = groupCamel(group);
  return `${camel.charAt(0).toLowerCase()}${camel.slice(1)}_${version}`;
}

export function gvkOf(info: ResourceInfo, kind = info.kind): GroupVersionKind {
  return { group: info.group, version: info.version, kind };
}

/** /api/v1 or /apis/<group>/<version>. */
export function groupVersionPrefix(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** Every path kube-apiserver serves for a resource (watch paths and most subresources excepted). */
export function resourcePaths(info: ResourceInfo): PathItem[] {
  const gv = `${groupCamel(info.group)}${info.version.charAt(0).toUpperCase()}${info.version.slice(1)}`;
  const tag = groupVersionTag(info.group, info.version);
  const kindDef = definitionName(gvkOf(info));
  const listDef = definitionName(gvkOf(info, info.listKind));
  const gvk = gvkOf(info);
  const ns = info.namespaced ? 'Namespaced' : '';
  const can = (v: ResourceInfo['verbs'][number]): boolean => info.verbs.includes(v);
  const op = (o: Omit<Operation, 'tag' | 'gvk'>): Operation => ({ ...o, tag, gvk });
  const unauthorized: Response = { code: '401', description: 'Unauthorized' };
  const writes = [P.dryRun, P.fieldManager, P.fieldValidation];
  const deletes = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];

  const prefix = groupVersionPrefix(info.group, info.version);
  const collection = info.namespaced ? `${prefix}/namespaces/{namespace}/${info.resource}` : `${prefix}/${info.resource}`;
  const scope = info.namespaced ? [P.namespace] : [];
  const paths: PathItem[] = [];

  const collectionOps: Operation[] = [];
  if (can('list')) {
    const id = `list${gv}${ns}${info.kind}`;
    collectionOps.push(op({ method: 'get', operationId: id, description: `list or watch objects of kind ${info.kind}`, action: 'list', parameters: P.list, responses: [{ code: '200', description: 'OK', schema: listDef }, unauthorized] }));
  }
  if (can('create')) {
    const created = (code: string, description: string): Response => ({ code, description, schema: kindDef });
    collectionOps.push(op({ method: 'post', operationId: `create${gv}${ns}${info.kind}`, description: `create a ${info.kind}`, action: 'post', parameters: writes, body: kindDef, responses: [created('200', 'OK'), created('201', 'Created'), created('202', 'Accepted'), unauthorized] }));
  }
  if (can('deletecollection')) {
    collectionOps.push(op({ method: 'delete', operationId: `delete${gv}Collection${ns}${info.kind}`, description: `delete collection of ${info.kind}`, action: 'deletecollection', parameters: [...P.list, ...deletes], body: DELETE_OPTIONS_DEF, responses: [{ code: '200', description: 'OK', schema: STATUS_DEF }, unauthorized] }));
  }
  if (collectionOps.length > 0) paths.push({ path: collection, parameters: [...scope, P.pretty], operations: collectionOps });

  const itemParams = [P.name(info.kind), ...scope, P.pretty];
  const itemOps = (suffix: '' | 'Status', what: string): Operation[] => {
    const ops: Operation[] = [];
    const kindResponses = (codes: [string, string][]): Response[] => [...codes.map(([code, description]) => ({ code, description, schema: kindDef })), unauthorized];
    if (can('get')) ops.push(op({ method: 'get', operationId: `read${gv}${ns}${info.kind}${suffix}`, description: `read ${what}the specified ${info.kind}`, action: 'get', parameters: [], responses: kindResponses([['200', 'OK']]) }));
    if (can('update')) ops.push(op({ method: 'put', operationId: `replace${gv}${ns}${info.kind}${suffix}`, description: `replace ${what}the specified ${info.kind}`, action: 'put', parameters: writes, body: kindDef, responses: kindResponses([['200', 'OK'], ['201', 'Created']]) }));
    if (can('patch')) ops.push(op({ method: 'patch', operationId: `patch${gv}${ns}${info.kind}${suffix}`, description: `partially update ${what}the specified ${info.kind}`, action: 'patch', parameters: [...writes, P.force], body: PATCH_DEF, responses: kindResponses([['200', 'OK'], ['201', 'Created']]) }));
    if (suffix === '' && can('delete')) {
      const status = (code: string, description: string): Response => ({ code, description, schema: STATUS_DEF });
      ops.push(op({ method: 'delete', operationId: `delete${gv}${ns}${info.kind}`, description: `delete a ${info.kind}`, action: 'delete', parameters: deletes, body: DELETE_OPTIONS_DEF, responses: [status('200', 'OK'), status('202', 'Accepted'), unauthorized] }));
    }
    return ops;
  };
  const item = itemOps('', '');
  if (item.length > 0) paths.push({ path: `${collection}/{name}`, parameters: itemParams, operations: item });
  if (info.subresources.includes('status')) {
    const status = itemOps('Status', 'status of ');
    if (status.length > 0) paths.push({ path: `${collection}/{name}/status`, parameters: itemParams, operations: status });
  }
  if (info.namespaced && can('list')) {
    const id = `list${gv}${info.kind}ForAllNamespaces`;
    paths.push({
      path: `${prefix}/${info.resource}`,
      parameters: [...P.list, P.pretty],
      operations: [op({ method: 'get', operationId: id, description: `list or watch objects of kind ${info.kind}`, action: 'list', parameters: [], responses: [{ code: '200', description: 'OK', schema: listDef }, unauthorized] })],
    });
  }
  return paths;
}

/** The request bodies a PATCH accepts, in the order kube-apiserver lists them. */
export const PATCH_CONTENT_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
] as const;

export const RESPONSE_CONTENT_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'] as const;
