// /openapi/v2: one swagger 2.0 document for every served group version. kubectl 1.32 reads it (in
// its protobuf form, see proto-v2.ts) before every create/apply/replace with validation on, and in
// `explain` before it decides to use v3: a server without it fails those commands.
import { RESOURCES } from '@kubemu/api';
import type { ResourceInfo } from '@kubemu/api';
import { definitions, definitionName, referencedDefinitions } from './definitions';
import type { GroupVersionKind, JsonSchema } from './definitions';
import { gvkExtensions } from './gvk';
import { DELETE_OPTIONS_DEF, META, PATCH_CONTENT_TYPES, PATCH_DEF, RESPONSE_CONTENT_TYPES, STATUS_DEF, gvkOf, resourcePaths } from './paths';
import type { Operation, Parameter } from './paths';

export interface OpenApiInfo {
  title: string;
  version: string;
}

/** What kube-apiserver 1.32 puts in info; version is the server's git version. */
export const DEFAULT_INFO: OpenApiInfo = { title: 'Kubernetes', version: 'v1.32.0' };

export interface V2Parameter {
  name: string;
  in: 'query' | 'path' | 'body';
  description?: string;
  type?: string;
  uniqueItems?: boolean;
  required?: boolean;
  schema?: JsonSchema;
}

export interface V2Operation {
  description: string;
  consumes: string[];
  produces: string[];
  schemes: string[];
  tags: string[];
  operationId: string;
  parameters?: V2Parameter[];
  responses: Record<string, { description: string; schema?: JsonSchema }>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': GroupVersionKind;
}

export type V2PathItem = Partial<Record<Operation['method'], V2Operation>> & { parameters?: V2Parameter[] };

export interface V2Document {
  swagger: '2.0';
  info: OpenApiInfo;
  paths: Record<string, V2PathItem>;
  definitions: Record<string, JsonSchema>;
  securityDefinitions: Record<string, { type: string; name: string; in: string; description: string }>;
  security: Record<string, string[]>[];
}

const ref = (def: string): JsonSchema => ({ $ref: `#/definitions/${def}` });

function v2Parameter(p: Parameter): V2Parameter {
  return { name: p.name, in: p.in, type: p.type, description: p.description, uniqueItems: true, ...(p.required === true ? { required: true } : {}) };
}

function v2Operation(op: Operation): V2Operation {
  const produces: string[] = [...RESPONSE_CONTENT_TYPES];
  if (op.action === 'list') produces.push('application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch');
  const parameters: V2Parameter[] = [];
  if (op.body !== undefined) parameters.push({ name: 'body', in: 'body', required: op.method !== 'delete', schema: ref(op.body) });
  parameters.push(...op.parameters.map(v2Parameter));
  const responses: V2Operation['responses'] = {};
  for (const r of op.responses) responses[r.code] = r.schema === undefined ? { description: r.description } : { description: r.description, schema: ref(r.schema) };
  return {
    description: op.description,
    consumes: op.method === 'patch' ? [...PATCH_CONTENT_TYPES] : ['*/*'],
    produces,
    schemes: ['https'],
    tags: [op.tag],
    operationId: op.operationId,
    ...(parameters.length > 0 ? { parameters } : {}),
    responses,
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': op.gvk,
  };
}

/** The definitions the documents of `resources` need, with their GVK extensions set. */
export function publishedDefinitions(resources: readonly ResourceInfo[], extra: readonly string[] = []): Record<string, JsonSchema> {
  const defs = definitions();
  const gvks = gvkExtensions(resources);
  const roots = resources.flatMap((r) => [definitionName(gvkOf(r)), definitionName(gvkOf(r, r.listKind))]);
  const out: Record<string, JsonSchema> = {};
  for (const name of referencedDefinitions([...roots, STATUS_DEF, DELETE_OPTIONS_DEF, PATCH_DEF, `${META}.WatchEvent`, ...extra])) {
    const def = defs[name];
    if (def === undefined) continue;
    const gvk = gvks.get(name);
    out[name] = gvk === undefined ? def : { ...def, 'x-kubernetes-group-version-kind': gvk };
  }
  return out;
}

/** Resources whose kind has a generated definition: a kind without one cannot be documented. */
export function documentedResources(resources: readonly ResourceInfo[]): ResourceInfo[] {
  const defs = definitions();
  return resources.filter((r) => defs[definitionName(gvkOf(r))] !== undefined);
}

const cache = new WeakMap<readonly ResourceInfo[], V2Document>();

export function openApiV2(resources: readonly ResourceInfo[] = RESOURCES, info: OpenApiInfo = DEFAULT_INFO): V2Document {
  const hit = info === DEFAULT_INFO ? cache.get(resources) : undefined;
  if (hit !== undefined) return hit;
  const documented = documentedResources(resources);
  const paths: Record<string, V2PathItem> = {};
  for (const r of documented) {
    for (const p of resourcePaths(r)) {
      const item: V2PathItem = {};
      for (const op of p.operations) item[op.method] = v2Operation(op);
      item.parameters = p.parameters.map(v2Parameter);
      paths[p.path] = item;
    }
  }
  const doc: V2Document = {
    swagger: '2.0',
    info,
    paths,
    definitions: publishedDefinitions(documented),
    securityDefinitions: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer Token authentication' } },
    security: [{ BearerToken: [] }],
  };
  if (info === DEFAULT_INFO) cache.set(resources, doc);
  return doc;
}
