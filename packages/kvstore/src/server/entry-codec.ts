/**
 * The replicated request: what one Raft log entry (and so the WAL) carries. It carries no time:
 * clocks are per-process (monotonic, with different origins), so lease deadlines are computed by
 * each member from its own clock when it applies the entry; only the leader acts on them.
 *
 * Encoding, version 1 (a compact binary form of the JSON value the request is, byte strings kept
 * raw; the log holds up to --snapshot-count of these in memory, so size matters):
 *
 *   u8 FORMAT (0xb1), varint #names, #names x (varint len, utf8): the object keys used, once each
 *   value = u8 tag, then
 *     NULL | FALSE | TRUE                    nothing
 *     UINT                                  varint (a non-negative safe integer)
 *     F64                                   f64 little-endian (any other finite number)
 *     STRING | BYTES                        varint len, utf8 | raw bytes (decoded as a Buffer)
 *     ARRAY                                 varint n, n x value
 *     OBJECT                                varint n, n x (varint name ordinal, value)
 *
 * It keeps JSON's meaning: undefined properties are left out, undefined array items and
 * non-finite numbers become null. Entries of earlier builds (JSON, byte strings as {"$b": base64},
 * first byte '{') are still decoded.
 */
import type { InternalRequest } from '../mvcc';

export interface ReplicatedRequest {
  /**
   * Unique per proposer process: member id, a per-boot nonce and a counter. The nonce matters:
   * after a restart the member re-applies its own earlier entries, whose ids must not match a
   * new caller's.
   */
  id: string;
  req: InternalRequest;
}

const FORMAT = 0xb1;
const NULL = 0;
const FALSE = 1;
const TRUE = 2;
const UINT = 3;
const F64 = 4;
const STRING = 5;
const BYTES = 6;
const ARRAY = 7;
const OBJECT = 8;

class Writer {
  buf: Buffer;
  pos = 0;

  /** `size` exactly: a buffer of its own (allocUnsafeSlow), not a slice of Node's shared pool. */
  constructor(size?: number) {
    this.buf = size === undefined ? Buffer.allocUnsafe(1024) : Buffer.allocUnsafeSlow(size);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  varint(v: number): void {
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  raw(b: Uint8Array): void {
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
}

/**
 * The body is written into one scratch buffer reused by every call (encoding is synchronous, so
 * calls never overlap); only the exact-size result is allocated.
 */
const scratch = new Writer();
const SCRATCH_KEEP_BYTES = 64 * 1024;

export function encodeEntry(r: ReplicatedRequest): Uint8Array {
  const names = new Map<string, number>();
  const body = scratch;
  body.pos = 0;
  const value = (v: unknown): void => {
    if (v === null || v === undefined) return body.u8(NULL);
    if (v === false) return body.u8(FALSE);
    if (v === true) return body.u8(TRUE);
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return body.u8(NULL);
      if (Number.isSafeInteger(v) && v >= 0) {
        body.u8(UINT);
        return body.varint(v);
      }
      body.u8(F64);
      body.ensure(8);
      body.pos = body.buf.writeDoubleLE(v, body.pos);
      return;
    }
    if (typeof v === 'string') {
      body.u8(STRING);
      return body.string(v);
    }
    if (v instanceof Uint8Array) {
      body.u8(BYTES);
      return body.raw(v);
    }
    if (Array.isArray(v)) {
      body.u8(ARRAY);
      body.varint(v.length);
      for (const item of v) value(item);
      return;
    }
    if (typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      let n = 0;
      for (const k of keys) if (encodable(o[k])) n++;
      body.u8(OBJECT);
      body.varint(n);
      for (const k of keys) {
        const x = o[k];
        if (!encodable(x)) continue;
        let ord = names.get(k);
        if (ord === undefined) names.set(k, (ord = names.size));
        body.varint(ord);
        value(x);
      }
      return;
    }
    throw new TypeError(`entry-codec: cannot encode a ${typeof v}`);
  };
  value(r);
  let size = 1 + varintSize(names.size) + body.pos;
  for (const k of names.keys()) {
    const n = Buffer.byteLength(k, 'utf8');
    size += varintSize(n) + n;
  }
  // An exact-size buffer of its own: the log keeps this, not the scratch buffer.
  const out = new Writer(size);
  out.u8(FORMAT);
  out.varint(names.size);
  for (const k of names.keys()) out.string(k);
  body.buf.copy(out.buf, out.pos, 0, body.pos);
  out.pos += body.pos;
  // A rare large request must not pin a large scratch buffer for the life of the process.
  if (body.buf.length > SCRATCH_KEEP_BYTES) body.buf = Buffer.allocUnsafe(1024);
  return out.buf.subarray(0, out.pos);
}

/** What JSON keeps of a property: undefined values and functions are left out. */
function encodable(x: unknown): boolean {
  return x !== undefined && typeof x !== 'function';
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

export function decodeEntry(data: Uint8Array): ReplicatedRequest {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf[0] === 0x7b) return decodeLegacyJson(buf);
  if (buf[0] !== FORMAT) throw new Error(`entry-codec: unknown entry format 0x${(buf[0] ?? 0).toString(16)}`);
  let p = 1;
  const need = (n: number): void => {
    if (p + n > buf.length) throw new Error('entry-codec: truncated entry');
  };
  const varint = (): number => {
    let v = 0;
    let scale = 1;
    for (;;) {
      need(1);
      const b = buf[p++] as number;
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new Error('entry-codec: varint too long');
    }
  };
  const string = (): string => {
    const n = varint();
    need(n);
    const s = buf.toString('utf8', p, p + n);
    p += n;
    return s;
  };
  const names: string[] = [];
  for (let n = varint(); n > 0; n--) names.push(string());
  const value = (): unknown => {
    need(1);
    const tag = buf[p++];
    switch (tag) {
      case NULL:
        return null;
      case FALSE:
        return false;
      case TRUE:
        return true;
      case UINT:
        return varint();
      case F64: {
        need(8);
        const v = buf.readDoubleLE(p);
        p += 8;
        return v;
      }
      case STRING:
        return string();
      case BYTES: {
        const n = varint();
        need(n);
        // A copy: a view would pin the whole entry for as long as the value is kept.
        const b = Buffer.from(buf.subarray(p, p + n));
        p += n;
        return b;
      }
      case ARRAY: {
        const n = varint();
        const a: unknown[] = [];
        for (let i = 0; i < n; i++) a.push(value());
        return a;
      }
      case OBJECT: {
        const n = varint();
        const o: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const name = names[varint()];
          if (name === undefined) throw new Error('entry-codec: unknown property name');
          o[name] = value();
        }
        return o;
      }
      default:
        throw new Error(`entry-codec: unknown tag ${String(tag)}`);
    }
  };
  const r = value();
  if (p !== buf.length) throw new Error(`entry-codec: ${buf.length - p} trailing bytes`);
  return r as ReplicatedRequest;
}

const LEGACY_BYTES = '$b';

function decodeLegacyJson(buf: Buffer): ReplicatedRequest {
  return JSON.parse(buf.toString('utf8'), (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && LEGACY_BYTES in value) {
      const b64 = (value as Record<string, unknown>)[LEGACY_BYTES];
      if (typeof b64 === 'string') return Buffer.from(b64, 'base64');
    }
    return value;
  }) as ReplicatedRequest;
}

/**
 * The size etcd would check against --max-request-bytes: the protobuf size of the request,
 * approximated as its byte strings plus a few bytes per field (the JSON encoding is larger, and
 * a value etcd accepts must be accepted here too).
 */
export function requestSize(value: unknown): number {
  if (value instanceof Uint8Array) return value.length + 4;
  if (Array.isArray(value)) return value.reduce((n: number, v: unknown) => n + requestSize(v), 0);
  if (value !== null && typeof value === 'object') {
    let n = 2;
    for (const v of Object.values(value)) n += requestSize(v);
    return n;
  }
  return value === undefined ? 0 : 9;
}
