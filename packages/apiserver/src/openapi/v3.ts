// /openapi/v3: an index of group versions, then one OpenAPI 3.0 document per group version. kubectl
// 1.32 uses these for `explain` (schemas found through x-kubernetes-group-version-kind), for apply's
// strategic merge patch (the PATCH operation of a kind must accept
// application/strategic-merge-patch+json; list merge keys come from x-kubernetes-patch-* on the
// properties) and to decide whether the server validates fields itself (fieldValidation among the
// PATCH operation's parameters).
import { createHash } from 'node:crypto';
import { RESOURCES } from '@kubemu/api';
import type { ResourceInfo } from '@kubemu/api';
import type { GroupVersionKind, JsonSchema } from './definitions';
import { groupVersions } from './gvk';
import { PATCH_CONTENT_TYPES, RESPONSE_CONTENT_TYPES, resourcePaths } from './paths';
import type { Operation, Parameter } from './paths';
import { DEFAULT_INFO, documentedResources, publishedDefinitions } from './v2';
import type { OpenApiInfo } from './v2';

const V3_REF_PREFIX = '#/components/schemas/';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

export interface V3Parameter {
  name: string;
  in: 'query' | 'path';
  description: string;
  required?: boolean;
  schema: { type: string; uniqueItems: true };
}

interface MediaTypes {
  [contentType: string]: { schema: unknown };
}

export interface V3Operation {
  tags: string[];
  description: string;
  operationId: string;
  parameters?: V3Parameter[];
  requestBody?: { content: MediaTypes; required: boolean };
  responses: Record<string, { description: string; content?: MediaTypes }>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': GroupVersionKind;
}

export type V3PathItem = Partial<Record<Operation['method'], V3Operation>> & { parameters?: V3Parameter[] };

export interface V3Document {
  openapi: '3.0.0';
  info: OpenApiInfo;
  paths: Record<string, V3PathItem>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  security: Record<string, string[]>[];
}

export interface V3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}

/**
 * A v2 schema in v3 form: refs point into components, a ref with siblings (a description, patch
 * extensions) becomes allOf:[ref] as kube-openapi writes it, and the two scalars with a choice of
 * JSON types (IntOrString, Quantity) lose `type` for `oneOf`, which is what makes explain print
 * <IntOrString> rather than <string>.
 */
export function toV3Schema(s: JsonSchema, name?: string): Record<string, unknown> {
  if (name === INT_OR_STRING) return { description: s.description, format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] };
  if (name === QUANTITY) return { description: s.description, oneOf: [{ type: 'string' }, { type: 'number' }] };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref') continue;
    if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as Record<string, JsonSchema>).map(([p, ps]) => [p, toV3Schema(ps)]));
    else if (k === 'items' || (k === 'additionalProperties' && typeof v === 'object')) out[k] = toV3Schema(v as JsonSchema);
    else out[k] = v;
  }
  if (s.$ref !== undefined) {
    const ref = { $ref: V3_REF_PREFIX + s.$ref.slice(s.$ref.lastIndexOf('/') + 1) };
    if (Object.keys(out).length === 0) return ref;
    return { allOf: [ref], ...out };
  }
  return out;
}

function v3Parameter(p: Parameter): V3Parameter {
  return { name: p.name, in: p.in, description: p.description, ...(p.required === true ? { required: true } : {}), schema: { type: p.type, uniqueItems: true } };
}

function media(types: readonly string[], def: string): MediaTypes {
  const schema = { $ref: V3_REF_PREFIX + def };
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

function v3Operation(op: Operation): V3Operation {
  const out: V3Operation = {
    tags: [op.tag],
    description: op.description,
    operationId: op.operationId,
    responses: {},
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': op.gvk,
  };
  if (op.parameters.length > 0) out.parameters = op.parameters.map(v3Parameter);
  if (op.body !== undefined) out.requestBody = { content: media(op.method === 'patch' ? PATCH_CONTENT_TYPES : ['*/*'], op.body), required: op.method !== 'delete' };
  const produces: string[] = [...RESPONSE_CONTENT_TYPES];
  if (op.action === 'list') produces.push('application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch');
  for (const r of op.responses) out.responses[r.code] = r.schema === undefined ? { description: r.description } : { description: r.description, content: media(produces, r.schema) };
  return out;
}

/** "api/v1", "apis/apps/v1": how the v3 index names a group version. */
export function openApiV3Path(gv: { group: string; version: string }): string {
  return gv.group === '' ? `api/${gv.version}` : `apis/${gv.group}/${gv.version}`;
}

/** The group version an index path names, if it is one. */
export function parseOpenApiV3Path(p: string): { group: string; version: string } | undefined {
  const parts = p.replace(/^\/+|\/+$/g, '').split('/');
  if (parts.length === 2 && parts[0] === 'api' && parts[1] !== undefined) return { group: '', version: parts[1] };
  if (parts.length === 3 && parts[0] === 'apis' && parts[1] !== undefined && parts[2] !== undefined) return { group: parts[1], version: parts[2] };
  return undefined;
}

interface Rendered {
  doc: V3Document;
  hash: string;
}
const cache = new WeakMap<readonly ResourceInfo[], Map<string, Rendered | undefined>>();

function render(gv: { group: string; version: string }, resources: readonly ResourceInfo[]): Rendered | undefined {
  const mine = documentedResources(resources.filter((r) => r.group === gv.group && r.version === gv.version));
  if (mine.length === 0) return undefined;
  const paths: Record<string, V3PathItem> = {};
  const bodies: string[] = [];
  for (const r of mine) {
    for (const p of resourcePaths(r)) {
      const item: V3PathItem = {};
      for (const op of p.operations) {
        item[op.method] = v3Operation(op);
        if (op.body !== undefined) bodies.push(op.body);
        op.responses.forEach((res) => res.schema !== undefined && bodies.push(res.schema));
      }
      item.parameters = p.parameters.map(v3Parameter);
      paths[p.path] = item;
    }
  }
  const schemas = Object.fromEntries(Object.entries(publishedDefinitions(mine, bodies)).map(([name, s]) => [name, toV3Schema(s, name)]));
  const doc: V3Document = {
    openapi: '3.0.0',
    info: DEFAULT_INFO,
    paths,
    components: {
      schemas,
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
    security: [{ BearerToken: [] }],
  };
  // kube-apiserver names each document by the SHA-512 of its bytes; clients cache by that URL.
  const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
  return { doc, hash };
}

function rendered(gv: { group: string; version: string }, resources: readonly ResourceInfo[]): Rendered | undefined {
  let byGv = cache.get(resources);
  if (byGv === undefined) cache.set(resources, (byGv = new Map()));
  const key = openApiV3Path(gv);
  if (!byGv.has(key)) byGv.set(key, render(gv, resources));
  return byGv.get(key);
}

/** The document of one group version (`{group:'apps',version:'v1'}` or "apps/v1"), if it is served. */
export function openApiV3ForGroupVersion(gv: { group: string; version: string } | string, resources: readonly ResourceInfo[] = RESOURCES): V3Document | undefined {
  const parsed = typeof gv === 'string' ? (gv.includes('/') ? { group: gv.slice(0, gv.indexOf('/')), version: gv.slice(gv.indexOf('/') + 1) } : { group: '', version: gv }) : gv;
  return rendered(parsed, resources)?.doc;
}

/** GET /openapi/v3: every group version with the URL of its document. */
export function openApiV3Index(resources: readonly ResourceInfo[] = RESOURCES): V3Index {
  const paths: V3Index['paths'] = {};
  for (const gv of groupVersions(resources)) {
    const r = rendered(gv, resources);
    if (r !== undefined) paths[openApiV3Path(gv)] = { serverRelativeURL: `/openapi/v3/${openApiV3Path(gv)}?hash=${r.hash}` };
  }
  return { paths };
}
