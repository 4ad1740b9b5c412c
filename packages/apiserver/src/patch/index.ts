// PATCH for the apiserver: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and strategic merge
// patch, applied with kube-apiserver's semantics and answered with its Status objects. Pure: no
// I/O, no clock; the handler decodes the body, calls applyPatch, then defaults, admits, validates
// and stores the result as for an update.
export { PATCH_CONTENT_TYPES, acceptedPatchTypes, applyPatch, patchTypeOf, unsupportedPatchType } from './apply-patch';
export type { PatchResult, PatchTarget, PatchType } from './apply-patch';
export { isBuiltinKind, patchSchemaFor } from './patch-meta';
export type { PatchMeta, PatchSchema } from './patch-meta';
export type { PatchStatus } from './status';
