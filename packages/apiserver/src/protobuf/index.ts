// Decoding request bodies sent as application/vnd.kubernetes.protobuf (what kubectl's typed
// clients send) into the JSON objects the rest of the apiserver works with.
export { PROTOBUF_CONTENT_TYPE, decodeKubernetesProtobuf } from './decode';
export type { DefaultKind, ProtobufDecodeResult } from './decode';
export { PROTOBUF_KINDS, protobufMessageFor } from './kinds';
export type { ProtobufKind } from './kinds';
