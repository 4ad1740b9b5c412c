// A pass over the raw bytes before protobufjs decodes them. protobufjs skips fields it does not
// know and trusts the wire type of those it does; this pass makes both visible instead:
//   - a field number the schema lacks is UnsupportedProtobuf (415): a 1.32 kube-apiserver would
//     have decoded it, so silently dropping it would store an object the client never sent;
//   - a wire type that does not match the field, or bytes that end mid-field, is MalformedProtobuf.
// Invariant on return: every field, at every depth, is declared and carries its declared wire type,
// so protobufjs' decode reads exactly what the schema describes.
// Recursion follows the schema's nesting, which has no cycles, so its depth is bounded.
import { Reader } from 'protobufjs';
import type { FieldDef, MessageDef, ValueType } from './schema/dsl';
import type { Schema } from './schema/registry';
import { MalformedProtobuf, UnsupportedProtobuf } from './errors';

const VARINT = 0;
const LENGTH_DELIMITED = 2;

function wireTypesOf(type: ValueType, repeated: boolean): readonly number[] {
  if ('message' in type || type.scalar === 'string' || type.scalar === 'bytes') return [LENGTH_DELIMITED];
  // Repeated numbers may arrive packed (one length-delimited run) or one varint per element.
  return repeated ? [VARINT, LENGTH_DELIMITED] : [VARINT];
}

function childPath(path: string, f: FieldDef): string {
  if (f.inline) return path;
  const name = path === '' ? f.name : `${path}.${f.name}`;
  return f.repeated ? `${name}[]` : name;
}

function readTag(reader: Reader, where: string): { id: number; wireType: number } {
  const tag = reader.uint32();
  const id = tag >>> 3;
  const wireType = tag & 7;
  if (id === 0) throw new MalformedProtobuf(`proto: ${where}: illegal tag 0 (wire type ${wireType})`);
  return { id, wireType };
}

function checkValue(schema: Schema, type: ValueType, wireType: number, reader: Reader, path: string): void {
  if (wireType !== LENGTH_DELIMITED) {
    reader.skipType(wireType);
    return;
  }
  const bytes = reader.bytes();
  if ('message' in type) {
    checkMessage(schema, schema.message(type.message), bytes, path);
  } else if (type.scalar !== 'string' && type.scalar !== 'bytes') {
    // A packed run of varints: each must end inside the run.
    const run = Reader.create(bytes);
    while (run.pos < run.len) run.skipType(VARINT);
  }
}

function checkMapEntry(schema: Schema, owner: MessageDef, f: FieldDef, bytes: Uint8Array, path: string): void {
  const reader = Reader.create(bytes);
  while (reader.pos < reader.len) {
    const { id, wireType } = readTag(reader, `${owner.name}.${f.name}`);
    const type: ValueType | undefined = id === 1 ? { scalar: 'string' } : id === 2 ? f.type : undefined;
    if (type === undefined) {
      throw new UnsupportedProtobuf(`protobuf field ${id} of a ${owner.fullName}.${f.name} map entry is not known to this server`);
    }
    if (!wireTypesOf(type, false).includes(wireType)) {
      throw new MalformedProtobuf(`proto: wrong wireType = ${wireType} for field ${f.name} of ${owner.name}`);
    }
    checkValue(schema, type, wireType, reader, path);
  }
}

/** Throws MalformedProtobuf or UnsupportedProtobuf; `path` names the message for error messages. */
export function checkMessage(schema: Schema, def: MessageDef, bytes: Uint8Array, path: string): void {
  const reader = Reader.create(bytes);
  while (reader.pos < reader.len) {
    const { id, wireType } = readTag(reader, def.name);
    const f = def.byId.get(id);
    if (f === undefined) {
      const where = path === '' ? '' : ` (at ${path})`;
      throw new UnsupportedProtobuf(`protobuf field ${id} of ${def.fullName}${where} is not known to this server; send the object as application/json`);
    }
    // A map is a repeated entry message, whatever its value type.
    const expected = f.map ? [LENGTH_DELIMITED] : wireTypesOf(f.type, f.repeated);
    if (!expected.includes(wireType)) {
      throw new MalformedProtobuf(`proto: wrong wireType = ${wireType} for field ${f.name} of ${def.name}`);
    }
    if (f.map) {
      checkMapEntry(schema, def, f, reader.bytes(), childPath(path, f));
    } else {
      checkValue(schema, f.type, wireType, reader, childPath(path, f));
    }
  }
}
