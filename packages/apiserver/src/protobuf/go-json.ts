// Turns a protobufjs-decoded message into the JSON that kube-apiserver's encoding/json would write
// for the Go struct the same bytes decode into. The Go decode is what decides presence:
//   - a pointer (`*T`) is nil unless its field was on the wire, even if it carried a zero value;
//   - a slice or map is nil unless it had elements (protobuf cannot express an empty non-nil one);
//   - a struct value is always there, as its zero value when absent;
//   - bytes are nil when absent, and an empty non-nil slice when present with no content.
// Then encoding/json: `omitempty` drops false, 0, "", nil pointers and empty slices/maps/bytes but
// never a struct value; a field without it is written even when zero (nil as null); map keys are
// sorted; embedded (inline) structs have their fields promoted into the parent object; types with
// their own MarshalJSON (Time, Quantity, IntOrString, FieldsV1) print themselves, as does a
// named slice wrapped in a message for protobuf (ExtraValue: a JSON array).
import { canonicalQuantity } from '@kubemu/api';
import type { FieldDef, MessageDef, Scalar, ValueType } from './schema/dsl';
import type { Schema } from './schema/registry';
import { MalformedProtobuf } from './errors';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A decoded protobufjs message: fields that were on the wire are own properties. */
type Decoded = Record<string, unknown>;

interface LongLike {
  toNumber(): number;
}

const hasOwn = (msg: Decoded, name: string): boolean => Object.prototype.hasOwnProperty.call(msg, name);

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'toNumber' in v) return (v as LongLike).toNumber();
  return 0;
}

function scalarJson(s: Scalar, v: unknown): Json {
  switch (s) {
    case 'string':
      return typeof v === 'string' ? v : '';
    case 'int32':
    case 'int64':
      return toNumber(v);
    case 'bool':
      return v === true;
    case 'bytes':
      return Buffer.from(v as Uint8Array).toString('base64');
  }
}

const isZeroScalar = (v: Json): boolean => v === '' || v === 0 || v === false;

// Seconds since the epoch of 0001-01-01T00:00:00Z (Go's zero time) and of the RFC 3339 year range.
const GO_ZERO_TIME = -62135596800;
const YEAR_0 = -62167219200;
const YEAR_9999_END = 253402300799;

function timeJson(msg: Decoded): Json {
  // Time.Unmarshal: no bytes at all is the zero time; otherwise seconds only (nanos dropped).
  if (!hasOwn(msg, 'seconds') && !hasOwn(msg, 'nanos')) return null;
  const seconds = toNumber(msg['seconds']);
  if (seconds === GO_ZERO_TIME) return null;
  if (seconds < YEAR_0 || seconds > YEAR_9999_END) throw new MalformedProtobuf('Time.MarshalJSON: year outside of range [0,9999]');
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function quantityJson(msg: Decoded): Json {
  // Quantity.Unmarshal parses the string (an empty one fails, as ParseQuantity("") does);
  // MarshalJSON prints the canonical form.
  try {
    return canonicalQuantity(typeof msg['string'] === 'string' ? msg['string'] : '');
  } catch (err) {
    throw new MalformedProtobuf(err instanceof Error ? err.message : String(err));
  }
}

function intOrStringJson(msg: Decoded): Json {
  const type = toNumber(msg['type']);
  if (type === 0) return toNumber(msg['intVal']);
  if (type === 1) return typeof msg['strVal'] === 'string' ? msg['strVal'] : '';
  throw new MalformedProtobuf('impossible IntOrString.Type');
}

function fieldsV1Json(msg: Decoded): Json {
  if (!hasOwn(msg, 'Raw')) return null;
  const text = Buffer.from(msg['Raw'] as Uint8Array).toString('utf8');
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw new MalformedProtobuf(`json: error calling MarshalJSON for type *v1.FieldsV1: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The JSON of a struct value (or of what a non-nil pointer points at). */
export function messageJson(schema: Schema, def: MessageDef, msg: Decoded): Json {
  switch (def.special) {
    case 'time':
      return timeJson(msg);
    case 'quantity':
      return quantityJson(msg);
    case 'intOrString':
      return intOrStringJson(msg);
    case 'fieldsV1':
      return fieldsV1Json(msg);
    case 'stringList':
      return Array.isArray(msg['items']) ? (msg['items'] as unknown[]).map((v) => scalarJson('string', v)) : null;
    case undefined:
      return objectJson(schema, def, msg);
  }
}

function valueJson(schema: Schema, type: ValueType, v: unknown): Json {
  return 'scalar' in type ? scalarJson(type.scalar, v) : messageJson(schema, schema.message(type.message), v as Decoded);
}

/** The field's JSON value, or undefined when encoding/json would leave the key out. */
function fieldJson(schema: Schema, f: FieldDef, msg: Decoded): Json | undefined {
  const present = hasOwn(msg, f.name);
  const v = msg[f.name];
  if (f.map) {
    const entries = present && typeof v === 'object' && v !== null ? (v as Decoded) : {};
    const keys = Object.keys(entries).sort();
    if (keys.length === 0) return f.omitempty ? undefined : null;
    const out: JsonObject = {};
    for (const k of keys) out[k] = valueJson(schema, f.type, entries[k]);
    return out;
  }
  if (f.repeated) {
    const items = present && Array.isArray(v) ? v : [];
    if (items.length === 0) return f.omitempty ? undefined : null;
    return items.map((item) => valueJson(schema, f.type, item));
  }
  if (f.pointer) {
    if (!present) return f.omitempty ? undefined : null;
    return valueJson(schema, f.type, v);
  }
  if ('message' in f.type) {
    // A struct value: always written, its zero value when absent.
    return messageJson(schema, schema.message(f.type.message), present ? (v as Decoded) : {});
  }
  if (f.type.scalar === 'bytes') {
    if (!present) return f.omitempty ? undefined : null;
    const bytes = v as Uint8Array;
    return f.omitempty && bytes.length === 0 ? undefined : scalarJson('bytes', bytes);
  }
  const value = scalarJson(f.type.scalar, present ? v : undefined);
  return f.omitempty && isZeroScalar(value) ? undefined : value;
}

/** The JSON object of a (non-special) message, keys in Go struct order. */
export function objectJson(schema: Schema, def: MessageDef, msg: Decoded): JsonObject {
  const out: JsonObject = {};
  for (const f of def.fields) {
    if (f.inline && 'message' in f.type) {
      // Promoted fields of an embedded struct; the embedding struct's own fields win a clash,
      // as the shallower field does in encoding/json.
      const embedded = objectJson(schema, schema.message(f.type.message), hasOwn(msg, f.name) ? (msg[f.name] as Decoded) : {});
      for (const [k, value] of Object.entries(embedded)) {
        if (!def.fields.some((own) => own.name === k && !own.inline)) out[k] = value;
      }
      continue;
    }
    const value = fieldJson(schema, f, msg);
    if (value !== undefined) out[f.name] = value;
  }
  return out;
}
