// decodeKubernetesProtobuf: a request body in application/vnd.kubernetes.protobuf to the JSON
// object kube-apiserver's JSON serializer would write for it.
//
// The body is the 4-byte magic "k8s\0" followed by a runtime.Unknown message: typeMeta (apiVersion,
// kind) says which message `raw` holds; contentEncoding and contentType describe raw and are empty
// (or the protobuf media type) in everything kubectl sends.
import type { KubeObject, Status } from '@kubemu/api';
import { objectJson } from './go-json';
import { MalformedProtobuf, UnsupportedProtobuf } from './errors';
import { protobufMessageFor } from './kinds';
import { SCHEMA } from './schema/registry';
import { checkMessage } from './wire-check';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/** "k8s\0": what the protobuf serializer writes before every object. */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export type ProtobufDecodeResult = { ok: true; object: KubeObject } | { ok: false; status: Status };

/** The type a body without typeMeta decodes as (kube-apiserver takes it from the request path). */
export interface DefaultKind {
  readonly apiVersion: string;
  readonly kind: string;
}

interface DecodedUnknown {
  typeMeta?: { apiVersion?: string; kind?: string };
  raw?: Uint8Array;
  contentEncoding?: string;
  contentType?: string;
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function decodeObject(body: Buffer, defaults: DefaultKind | undefined): KubeObject {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new MalformedProtobuf('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  }
  const envelope = body.subarray(MAGIC.length);
  const unknownDef = SCHEMA.message('Unknown');
  checkMessage(SCHEMA, unknownDef, envelope, '');
  const unknown = SCHEMA.type(unknownDef).decode(envelope) as DecodedUnknown;

  const apiVersion = unknown.typeMeta?.apiVersion || defaults?.apiVersion || '';
  const kind = unknown.typeMeta?.kind || defaults?.kind || '';
  if (kind === '') throw new MalformedProtobuf("Object 'Kind' is missing in protobuf body");
  const target = { group: groupOf(apiVersion), kind };
  if (unknown.contentEncoding) {
    throw new UnsupportedProtobuf(`protobuf content encoding "${unknown.contentEncoding}" is not supported`, target);
  }
  if (unknown.contentType && unknown.contentType !== PROTOBUF_CONTENT_TYPE) {
    throw new UnsupportedProtobuf(`protobuf content type "${unknown.contentType}" is not supported`, target);
  }
  const messageName = protobufMessageFor(apiVersion, kind);
  if (messageName === undefined) {
    throw new UnsupportedProtobuf(
      `${kind} in ${apiVersion} is not supported in ${PROTOBUF_CONTENT_TYPE}; the body of the request must be in one of: application/json, application/yaml`,
      target,
    );
  }
  const def = SCHEMA.message(messageName);
  const raw = unknown.raw ?? new Uint8Array(0);
  try {
    checkMessage(SCHEMA, def, raw, '');
  } catch (err) {
    // Name the object in the Status, as for an unsupported kind.
    if (err instanceof UnsupportedProtobuf && err.target === undefined) throw new UnsupportedProtobuf(err.message, target);
    throw err;
  }
  const decoded = SCHEMA.type(def).decode(raw) as unknown as Record<string, unknown>;
  // TypeMeta is embedded in every kind and written first: kind, then apiVersion.
  return { kind, apiVersion, ...objectJson(SCHEMA, def, decoded) };
}

function failure(code: 400 | 415, reason: string, message: string, details?: Status['details']): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

function statusOf(err: unknown): Status {
  if (err instanceof UnsupportedProtobuf) {
    const details = err.target === undefined ? undefined : err.target.group === '' ? { kind: err.target.kind } : err.target;
    return failure(415, 'UnsupportedMediaType', err.message, details);
  }
  if (err instanceof MalformedProtobuf) return failure(400, 'BadRequest', err.message);
  // protobufjs' Reader throws RangeError (or a plain Error for a bad wire type) when the bytes end
  // inside a field; Go's generated code reports that as io.ErrUnexpectedEOF.
  if (err instanceof RangeError) return failure(400, 'BadRequest', 'unexpected EOF');
  return failure(400, 'BadRequest', `proto: ${err instanceof Error ? err.message : String(err)}`);
}

/**
 * Decodes a protobuf request body. Never throws: a body that is not a well-formed protobuf object
 * is a 400 BadRequest Status, one this server cannot decode (kind, field or encoding it does not
 * know) a 415 UnsupportedMediaType Status.
 */
export function decodeKubernetesProtobuf(body: Buffer, defaults?: DefaultKind): ProtobufDecodeResult {
  try {
    return { ok: true, object: decodeObject(body, defaults) };
  } catch (err) {
    return { ok: false, status: statusOf(err) };
  }
}
