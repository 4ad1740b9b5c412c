// The protobuf form of /openapi/v2, which is the only form kubectl asks for: client-go's
// DiscoveryClient.OpenAPISchema sends Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf
// and proto.Unmarshals the body into gnostic's openapi_v2.Document, so a JSON answer fails to parse.
// Message and field numbers follow gnostic-models' OpenAPIv2.proto (package openapi.v2); only the
// messages a Kubernetes document uses are declared. Vendor extensions travel as NamedAny whose Any
// carries YAML text; JSON is YAML, and kube-openapi reads these values with a YAML parser.
import { Root } from 'protobufjs';
import type { Type } from 'protobufjs';
import type { JsonSchema } from './definitions';
import { RESOURCES } from '@kubemu/api';
import type { ResourceInfo } from '@kubemu/api';
import { openApiV2 } from './v2';
import type { V2Document, V2Operation, V2Parameter, V2PathItem } from './v2';

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** The same media type as kube-openapi also accepts it (a dot instead of the @). */
export const OPENAPI_V2_PROTOBUF_ALT = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

type FieldSpec = [id: number, type: string, repeated?: 'repeated'];

function message(fields: Record<string, FieldSpec>): { fields: Record<string, { id: number; type: string; rule?: string }> } {
  return {
    fields: Object.fromEntries(Object.entries(fields).map(([name, [id, type, rule]]) => [name, rule === undefined ? { id, type } : { id, type, rule }])),
  };
}

const NAMED = (valueType: string): Record<string, FieldSpec> => ({ name: [1, 'string'], value: [2, valueType] });
const ext = (id: number): FieldSpec => [id, 'NamedAny', 'repeated'];

/** gnostic openapi_v2 message declarations (field numbers of OpenAPIv2.proto). */
const DESCRIPTOR = {
  nested: {
    openapi: {
      nested: {
        v2: {
          nested: {
            Any: message({ yaml: [2, 'string'] }),
            NamedAny: message(NAMED('Any')),
            Info: message({ title: [1, 'string'], version: [2, 'string'], description: [3, 'string'] }),
            Document: message({
              swagger: [1, 'string'],
              info: [2, 'Info'],
              paths: [8, 'Paths'],
              definitions: [9, 'Definitions'],
              security: [12, 'SecurityRequirement', 'repeated'],
              security_definitions: [13, 'SecurityDefinitions'],
              vendor_extension: ext(16),
            }),
            Paths: message({ vendor_extension: ext(1), path: [2, 'NamedPathItem', 'repeated'] }),
            NamedPathItem: message(NAMED('PathItem')),
            PathItem: message({
              get: [2, 'Operation'],
              put: [3, 'Operation'],
              post: [4, 'Operation'],
              delete: [5, 'Operation'],
              patch: [8, 'Operation'],
              parameters: [9, 'ParametersItem', 'repeated'],
              vendor_extension: ext(10),
            }),
            Operation: message({
              tags: [1, 'string', 'repeated'],
              description: [3, 'string'],
              operation_id: [5, 'string'],
              produces: [6, 'string', 'repeated'],
              consumes: [7, 'string', 'repeated'],
              parameters: [8, 'ParametersItem', 'repeated'],
              responses: [9, 'Responses'],
              schemes: [10, 'string', 'repeated'],
              vendor_extension: ext(13),
            }),
            ParametersItem: message({ parameter: [1, 'Parameter'] }),
            Parameter: message({ body_parameter: [1, 'BodyParameter'], non_body_parameter: [2, 'NonBodyParameter'] }),
            BodyParameter: message({ description: [1, 'string'], name: [2, 'string'], in: [3, 'string'], required: [4, 'bool'], schema: [5, 'Schema'] }),
            NonBodyParameter: message({ query_parameter_sub_schema: [3, 'QueryParameterSubSchema'], path_parameter_sub_schema: [4, 'PathParameterSubSchema'] }),
            QueryParameterSubSchema: message({
              required: [1, 'bool'],
              in: [2, 'string'],
              description: [3, 'string'],
              name: [4, 'string'],
              type: [6, 'string'],
              unique_items: [20, 'bool'],
            }),
            PathParameterSubSchema: message({
              required: [1, 'bool'],
              in: [2, 'string'],
              description: [3, 'string'],
              name: [4, 'string'],
              type: [5, 'string'],
              unique_items: [19, 'bool'],
            }),
            Responses: message({ response_code: [1, 'NamedResponseValue', 'repeated'] }),
            NamedResponseValue: message(NAMED('ResponseValue')),
            ResponseValue: message({ response: [1, 'Response'] }),
            Response: message({ description: [1, 'string'], schema: [2, 'SchemaItem'] }),
            SchemaItem: message({ schema: [1, 'Schema'] }),
            Definitions: message({ additional_properties: [1, 'NamedSchema', 'repeated'] }),
            NamedSchema: message(NAMED('Schema')),
            Schema: message({
              _ref: [1, 'string'],
              format: [2, 'string'],
              description: [4, 'string'],
              required: [19, 'string', 'repeated'],
              additional_properties: [21, 'AdditionalPropertiesItem'],
              type: [22, 'TypeItem'],
              items: [23, 'ItemsItem'],
              all_of: [24, 'Schema', 'repeated'],
              properties: [25, 'Properties'],
              vendor_extension: ext(31),
            }),
            AdditionalPropertiesItem: message({ schema: [1, 'Schema'], boolean: [2, 'bool'] }),
            TypeItem: message({ value: [1, 'string', 'repeated'] }),
            ItemsItem: message({ schema: [1, 'Schema', 'repeated'] }),
            Properties: message({ additional_properties: [1, 'NamedSchema', 'repeated'] }),
            SecurityRequirement: message({ additional_properties: [1, 'NamedStringArray', 'repeated'] }),
            NamedStringArray: message(NAMED('StringArray')),
            StringArray: message({ value: [1, 'string', 'repeated'] }),
            SecurityDefinitions: message({ additional_properties: [1, 'NamedSecurityDefinitionsItem', 'repeated'] }),
            NamedSecurityDefinitionsItem: message(NAMED('SecurityDefinitionsItem')),
            SecurityDefinitionsItem: message({ api_key_security: [2, 'ApiKeySecurity'] }),
            ApiKeySecurity: message({ type: [1, 'string'], name: [2, 'string'], in: [3, 'string'], description: [4, 'string'] }),
          },
        },
      },
    },
  },
};

let documentType: Type | undefined;

/** The gnostic Document message type (also used by tests to decode what was encoded). */
export function gnosticDocumentType(): Type {
  documentType ??= Root.fromJSON(DESCRIPTOR).lookupType('openapi.v2.Document');
  return documentType;
}

type Msg = Record<string, unknown>;

function vendorExtensions(obj: object): Msg[] {
  return Object.entries(obj)
    .filter(([k, v]) => k.startsWith('x-') && v !== undefined)
    .map(([name, v]) => ({ name, value: { yaml: `${JSON.stringify(v)}\n` } }));
}

function schemaMsg(s: JsonSchema): Msg {
  const m: Msg = {};
  if (s.$ref !== undefined) m._ref = s.$ref;
  if (s.format !== undefined) m.format = s.format;
  if (s.description !== undefined) m.description = s.description;
  if (s.required !== undefined) m.required = s.required;
  if (typeof s.additionalProperties === 'boolean') m.additional_properties = { boolean: s.additionalProperties };
  else if (s.additionalProperties !== undefined) m.additional_properties = { schema: schemaMsg(s.additionalProperties) };
  if (s.type !== undefined) m.type = { value: [s.type] };
  if (s.items !== undefined) m.items = { schema: [schemaMsg(s.items)] };
  if (s.allOf !== undefined) m.all_of = s.allOf.map(schemaMsg);
  if (s.properties !== undefined) m.properties = { additional_properties: Object.entries(s.properties).map(([name, v]) => ({ name, value: schemaMsg(v) })) };
  const ext = vendorExtensions(s);
  if (ext.length > 0) m.vendor_extension = ext;
  return m;
}

function parameterMsg(p: V2Parameter): Msg {
  if (p.in === 'body') {
    return { parameter: { body_parameter: { name: p.name, in: p.in, required: p.required === true, ...(p.schema ? { schema: schemaMsg(p.schema) } : {}) } } };
  }
  const sub = { required: p.required === true, in: p.in, description: p.description ?? '', name: p.name, type: p.type ?? 'string', unique_items: p.uniqueItems === true };
  return { parameter: { non_body_parameter: p.in === 'path' ? { path_parameter_sub_schema: sub } : { query_parameter_sub_schema: sub } } };
}

function operationMsg(op: V2Operation): Msg {
  return {
    tags: op.tags,
    description: op.description,
    operation_id: op.operationId,
    produces: op.produces,
    consumes: op.consumes,
    parameters: (op.parameters ?? []).map(parameterMsg),
    responses: {
      response_code: Object.entries(op.responses).map(([name, r]) => ({
        name,
        value: { response: { description: r.description, ...(r.schema ? { schema: { schema: schemaMsg(r.schema) } } : {}) } },
      })),
    },
    schemes: op.schemes,
    vendor_extension: vendorExtensions(op),
  };
}

function pathItemMsg(item: V2PathItem): Msg {
  const m: Msg = {};
  for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
    const op = item[method];
    if (op !== undefined) m[method] = operationMsg(op);
  }
  m.parameters = (item.parameters ?? []).map(parameterMsg);
  return m;
}

/** The gnostic protobuf encoding of a v2 document. */
export function encodeOpenApiV2(doc: V2Document): Uint8Array {
  const msg: Msg = {
    swagger: doc.swagger,
    info: { title: doc.info.title, version: doc.info.version },
    paths: { path: Object.entries(doc.paths).map(([name, item]) => ({ name, value: pathItemMsg(item) })) },
    definitions: { additional_properties: Object.entries(doc.definitions).map(([name, s]) => ({ name, value: schemaMsg(s) })) },
    security: doc.security.map((req) => ({ additional_properties: Object.entries(req).map(([name, value]) => ({ name, value: { value } })) })),
    security_definitions: {
      additional_properties: Object.entries(doc.securityDefinitions).map(([name, d]) => ({ name, value: { api_key_security: d } })),
    },
  };
  return gnosticDocumentType().encode(msg).finish();
}

const encoded = new WeakMap<readonly ResourceInfo[], Uint8Array>();

/** GET /openapi/v2 in protobuf, for the served resources (computed once per resource table). */
export function openApiV2Protobuf(resources: readonly ResourceInfo[] = RESOURCES): Uint8Array {
  let bytes = encoded.get(resources);
  if (bytes === undefined) encoded.set(resources, (bytes = encodeOpenApiV2(openApiV2(resources))));
  return bytes;
}

/**
 * Which form of /openapi/v2 an Accept header asks for: kube-openapi answers JSON to application/json
 * and * / *, protobuf to its two protobuf media types, and 406 to anything else.
 */
export function negotiateOpenApiV2(accept: string | undefined): 'json' | 'protobuf' | undefined {
  if (accept === undefined || accept.trim() === '') return 'json';
  for (const part of accept.split(',')) {
    const type = (part.split(';')[0] ?? '').trim().toLowerCase();
    if (type === OPENAPI_V2_PROTOBUF || type === OPENAPI_V2_PROTOBUF_ALT) return 'protobuf';
    if (type === 'application/json' || type === '*/*' || type === 'application/*') return 'json';
  }
  return undefined;
}
