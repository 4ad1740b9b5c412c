// OpenAPI v2/v3 documents of the served resources, and schema-driven strict field validation.
export { definitions, definitionFor, definitionName, fieldDescription, resolveRef } from './definitions';
export type { Definitions, GroupVersionKind, JsonSchema } from './definitions';
export { DEFAULT_INFO, openApiV2 } from './v2';
export type { OpenApiInfo, V2Document } from './v2';
export { openApiV3ForGroupVersion, openApiV3Index, openApiV3Path, parseOpenApiV3Path } from './v3';
export type { V3Document, V3Index } from './v3';
export { OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_ALT, encodeOpenApiV2, negotiateOpenApiV2, openApiV2Protobuf } from './proto-v2';
export { strictDecodingMessage, strictDecodingStatus, strictFieldErrors, unknownFieldErrors, unknownFields } from './strict';
