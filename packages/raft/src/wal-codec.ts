import * as zlib from 'node:zlib';
import { InvalidArgumentError } from '@kubemu/base';
import type { ConfState, Entry, EntryType, HardState, SnapshotMetadata } from './types';

/**
 * Binary encoding shared by the WAL, the snapshot files and the peer message codec.
 * Integers are little-endian; a "u64" carries a JS safe integer (< 2^53) as two u32 halves,
 * low half first, so no BigInt is needed on the hot path. Byte strings are a u32 length then
 * the bytes.
 */

const TWO_32 = 0x1_0000_0000;

/** Growable output buffer. */
export class BinaryWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialBytes));
  }

  get length(): number {
    return this.pos;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(`cannot encode ${v} as an unsigned 53-bit integer`);
    this.ensure(8);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.buf.writeUInt32LE(Math.floor(v / TWO_32), this.pos + 4);
    this.pos += 8;
    return this;
  }

  /** A length-prefixed byte string. */
  bytes(v: Uint8Array): this {
    this.u32(v.length);
    return this.raw(v);
  }

  /** Bytes with no length prefix. */
  raw(v: Uint8Array): this {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  /** Overwrites 4 bytes already written at `at` (a length or checksum known only afterwards). */
  patchU32(at: number, v: number): void {
    if (at < 0 || at + 4 > this.pos) throw new InvalidArgumentError(`patch at ${at} outside the ${this.pos} bytes written`);
    this.buf.writeUInt32LE(v >>> 0, at);
  }

  /** A view of bytes [from, to) written so far. */
  view(from: number, to = this.pos): Buffer {
    return this.buf.subarray(from, to);
  }

  /** The bytes written so far (a view: do not write to this writer afterwards). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

/**
 * Reads what BinaryWriter wrote. Any short or malformed input is reported through `fail`,
 * so each caller raises its own error class (corruption on disk, a bad frame from a peer).
 */
export class BinaryReader {
  private pos = 0;
  private readonly view: Buffer;

  constructor(data: Uint8Array, private readonly fail: (reason: string) => Error) {
    this.view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.view.length - this.pos;
  }

  u8(): number {
    this.need(1);
    return this.view[this.pos++] as number;
  }

  u32(): number {
    this.need(4);
    const v = this.view.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): number {
    this.need(8);
    const lo = this.view.readUInt32LE(this.pos);
    const hi = this.view.readUInt32LE(this.pos + 4);
    this.pos += 8;
    if (hi > 0x1f_ffff) throw this.fail(`integer at offset ${this.pos - 8} exceeds 2^53`);
    return hi * TWO_32 + lo;
  }

  /** A length-prefixed byte string, copied out so it does not pin the input buffer. */
  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const out = new Uint8Array(n);
    out.set(this.view.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /** Fails unless every byte was consumed: trailing bytes mean a format the reader does not know. */
  end(): void {
    if (this.pos !== this.view.length) throw this.fail(`${this.view.length - this.pos} unexpected trailing bytes`);
  }

  private need(n: number): void {
    if (this.pos + n > this.view.length) {
      throw this.fail(`truncated input: need ${n} bytes at offset ${this.pos}, have ${this.view.length - this.pos}`);
    }
  }
}

// ---- CRC-32 (IEEE): node's zlib.crc32 where present (Node >= 20.15), else a table. ----

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
let table: Uint32Array | undefined;

function tableCrc32(data: Uint8Array, value = 0): number {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = ~value >>> 0;
  for (const byte of data) crc = (table[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** CRC-32 (IEEE 802.3) of `data`, continuing from `value` (the CRC of the preceding bytes). */
export const crc32: (data: Uint8Array, value?: number) => number = nativeCrc32 ?? tableCrc32;

// ---- Raft values ----

const ENTRY_TYPES: readonly EntryType[] = ['Normal', 'ConfChange'];

export function writeEntry(w: BinaryWriter, e: Entry): void {
  w.u64(e.index).u64(e.term).u8(ENTRY_TYPES.indexOf(e.type)).bytes(e.data);
}

export function readEntry(r: BinaryReader, fail: (reason: string) => Error): Entry {
  const index = r.u64();
  const term = r.u64();
  const type = ENTRY_TYPES[r.u8()];
  if (type === undefined) throw fail(`unknown entry type at index ${index}`);
  return { index, term, type, data: r.bytes() };
}

export function writeHardState(w: BinaryWriter, hs: HardState): void {
  w.u64(hs.term).u64(hs.vote).u64(hs.commit);
}

export function readHardState(r: BinaryReader): HardState {
  return { term: r.u64(), vote: r.u64(), commit: r.u64() };
}

function writeIds(w: BinaryWriter, ids: readonly number[]): void {
  w.u32(ids.length);
  for (const id of ids) w.u64(id);
}

function readIds(r: BinaryReader): number[] {
  const n = r.u32();
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(r.u64());
  return ids;
}

export function writeConfState(w: BinaryWriter, cs: ConfState): void {
  writeIds(w, cs.voters);
  writeIds(w, cs.learners);
}

export function readConfState(r: BinaryReader): ConfState {
  return { voters: readIds(r), learners: readIds(r) };
}

export function writeSnapshotMetadata(w: BinaryWriter, m: SnapshotMetadata): void {
  w.u64(m.index).u64(m.term);
  writeConfState(w, m.confState);
}

export function readSnapshotMetadata(r: BinaryReader): SnapshotMetadata {
  return { index: r.u64(), term: r.u64(), confState: readConfState(r) };
}
