// The protobuf schema of the kinds kubemu decodes, written the way Kubernetes declares it: as Go
// structs whose tags carry both the protobuf field number and the JSON name with its options.
//
// One line per field, in Go struct order (which is the order encoding/json emits keys in):
//
//     <number> <name> <go type> [omitempty] [inline]
//
// The name is both the proto field name and the JSON key (go-to-protobuf names proto fields after
// the JSON tag). The Go type carries what the wire format cannot: `*T` keeps presence through a
// decode (a pointer), `[]T` is a slice, `map[string]V` a map, `[]byte` bytes; `inline` marks an
// embedded struct (`json:",inline"`) whose JSON fields are promoted into the parent. Everything
// else is a message of the same schema, named by its short (unqualified) name.

export type Scalar = 'string' | 'int32' | 'int64' | 'bool' | 'bytes';

/** Messages whose Go type has its own MarshalJSON, so their JSON is not their fields. */
export type SpecialJson = 'time' | 'quantity' | 'intOrString' | 'fieldsV1' | 'stringList';

export type ValueType = { readonly scalar: Scalar } | { readonly message: string };

export interface FieldDef {
  readonly id: number;
  readonly name: string;
  /** The map's value type for a map field, else the field's (element) type. */
  readonly type: ValueType;
  readonly map: boolean;
  readonly repeated: boolean;
  readonly pointer: boolean;
  readonly omitempty: boolean;
  readonly inline: boolean;
}

export interface MessageDef {
  readonly pkg: string;
  readonly name: string;
  /** The protobuf full name, e.g. k8s.io.api.core.v1.Container. */
  readonly fullName: string;
  readonly special?: SpecialJson;
  /** In Go struct order. */
  readonly fields: readonly FieldDef[];
  readonly byId: ReadonlyMap<number, FieldDef>;
}

const SCALARS: ReadonlySet<string> = new Set(['string', 'int32', 'int64', 'bool']);

function valueType(goType: string): ValueType {
  if (goType === '[]byte') return { scalar: 'bytes' };
  if (SCALARS.has(goType)) return { scalar: goType as Scalar };
  if (!/^[A-Z][A-Za-z0-9]*$/.test(goType)) throw new Error(`schema: unsupported Go type ${goType}`);
  return { message: goType };
}

function parseField(owner: string, line: string): FieldDef {
  const [idText, name, goType, ...options] = line.split(/\s+/);
  const id = Number(idText);
  if (!Number.isInteger(id) || id <= 0 || name === undefined || goType === undefined) {
    throw new Error(`schema: malformed field line in ${owner}: "${line}"`);
  }
  for (const option of options) {
    if (option !== 'omitempty' && option !== 'inline') throw new Error(`schema: unknown option ${option} in ${owner}.${name}`);
  }
  const common = { id, name, omitempty: options.includes('omitempty'), inline: options.includes('inline') };
  if (goType.startsWith('map[string]')) {
    return { ...common, type: valueType(goType.slice('map[string]'.length)), map: true, repeated: false, pointer: false };
  }
  if (goType.startsWith('*')) {
    return { ...common, type: valueType(goType.slice(1)), map: false, repeated: false, pointer: true };
  }
  if (goType.startsWith('[]') && goType !== '[]byte') {
    return { ...common, type: valueType(goType.slice(2)), map: false, repeated: true, pointer: false };
  }
  return { ...common, type: valueType(goType), map: false, repeated: false, pointer: false };
}

export interface MessageSource {
  readonly fields: string;
  readonly special?: SpecialJson;
}

/** Parses one protobuf package's messages; `messages` maps a message name to its field lines. */
export function definePackage(pkg: string, messages: Readonly<Record<string, string | MessageSource>>): MessageDef[] {
  return Object.entries(messages).map(([name, source]) => {
    const { fields: text, special } = typeof source === 'string' ? { fields: source, special: undefined } : source;
    const fields = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('//'))
      .map((l) => parseField(name, l));
    const byId = new Map<number, FieldDef>();
    for (const f of fields) {
      if (byId.has(f.id)) throw new Error(`schema: ${pkg}.${name} uses field number ${f.id} twice`);
      byId.set(f.id, f);
    }
    return { pkg, name, fullName: `${pkg}.${name}`, ...(special ? { special } : {}), fields, byId };
  });
}
