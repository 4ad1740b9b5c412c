import { CorruptionError, InvalidArgumentError } from '@kubemu/base';
import type { Entry, HardState } from './types';
import { BinaryReader, BinaryWriter, crc32, readEntry, readHardState, writeEntry, writeHardState } from './wal-codec';

/**
 * WAL records. On disk each record is
 *
 *   [u32 length][u32 crc][u8 type][payload: length bytes]
 *
 * little-endian, where crc is CRC-32 (IEEE) of the type byte followed by the payload. Payloads:
 *
 *   segmentHeader  u32 magic 'KWAL', u8 version, u64 seq, u64 firstIndex
 *   hardState      u64 term, u64 vote, u64 commit
 *   entries        u32 count, then per entry: u64 index, u64 term, u8 type (0 Normal, 1 ConfChange), u32 len, data
 *   snapshot       u64 index, u64 term, u8 replacesLog (1: the log was replaced by a received snapshot)
 *
 * A record is valid only as a whole: a reader never acts on a record whose checksum fails.
 *
 * The writer fills the last segment with zeros ahead of its records (wal.ts, preallocation). No
 * record is all zeros (none has an empty payload), so zeros from a record boundary to the end of
 * the file are space not written yet, as in etcd's WAL.
 */

export const RECORD_HEADER_BYTES = 9;
/** No payload is larger; a length field above it is garbage, not a record. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;
/** Entries are split into records of about this many bytes, so that one record stays bounded. */
const ENTRIES_RECORD_TARGET = 8 * 1024 * 1024;

const SEGMENT_MAGIC = 0x4c41574b; // 'KWAL' read as little-endian u32
const FORMAT_VERSION = 1;

const TYPE_CODE = { segmentHeader: 1, hardState: 2, entries: 3, snapshot: 4 } as const;
const KNOWN_CODES: ReadonlySet<number> = new Set(Object.values(TYPE_CODE));

export type WalRecord =
  | { type: 'segmentHeader'; seq: number; firstIndex: number }
  | { type: 'hardState'; hardState: HardState }
  | { type: 'entries'; entries: Entry[] }
  /**
   * The log starts after (index, term). With replacesLog the node installed a snapshot from the
   * leader and every entry it held was discarded; without, entries after `index` stay.
   */
  | { type: 'snapshot'; index: number; term: number; replacesLog: boolean };

/** Appends one framed record to `w`. */
export function writeRecord(w: BinaryWriter, rec: WalRecord): void {
  const start = w.length;
  w.u32(0).u32(0).u8(TYPE_CODE[rec.type]);
  switch (rec.type) {
    case 'segmentHeader':
      w.u32(SEGMENT_MAGIC).u8(FORMAT_VERSION).u64(rec.seq).u64(rec.firstIndex);
      break;
    case 'hardState':
      writeHardState(w, rec.hardState);
      break;
    case 'entries':
      w.u32(rec.entries.length);
      for (const e of rec.entries) writeEntry(w, e);
      break;
    case 'snapshot':
      w.u64(rec.index).u64(rec.term).u8(rec.replacesLog ? 1 : 0);
      break;
  }
  const payloadLength = w.length - start - RECORD_HEADER_BYTES;
  if (payloadLength > MAX_RECORD_BYTES) {
    throw new InvalidArgumentError(`WAL record of ${payloadLength} bytes exceeds the ${MAX_RECORD_BYTES}-byte limit`);
  }
  w.patchU32(start, payloadLength);
  w.patchU32(start + 4, crc32(w.view(start + 8)));
}

/** Appends entries as one or more `entries` records of bounded size, in order. */
export function writeEntryRecords(w: BinaryWriter, entries: readonly Entry[]): void {
  let batch: Entry[] = [];
  let size = 0;
  for (const e of entries) {
    if (batch.length > 0 && size + e.data.length > ENTRIES_RECORD_TARGET) {
      writeRecord(w, { type: 'entries', entries: batch });
      batch = [];
      size = 0;
    }
    batch.push(e);
    size += e.data.length + 21;
  }
  if (batch.length > 0) writeRecord(w, { type: 'entries', entries: batch });
}

export interface ScannedRecord {
  record: WalRecord;
  offset: number;
}

export interface SegmentScan {
  records: ScannedRecord[];
  /** Offset just past the last valid record: the file's length unless a torn tail was found. */
  validEnd: number;
  /** Present when the segment ends in a torn record, to be truncated away at validEnd. */
  torn?: string;
}

/**
 * Reads every record of one segment file.
 *
 * A crash can only tear the last write of the last segment (earlier segments were fsynced before
 * the next one was created). So a bad record is a torn tail, and is reported for truncation, only
 * in the last segment and only when no valid record follows it; anywhere else it is corruption,
 * and replaying past it would silently lose acknowledged entries, so it is refused.
 *
 * In the last segment, zeros from a record boundary to the end of the file are preallocated
 * space: validEnd is where they start, and nothing is torn.
 */
export function scanSegment(buf: Buffer, file: string, isLast: boolean): SegmentScan {
  const records: ScannedRecord[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (isLast && records.length > 0 && isZero(buf, pos)) return { records, validEnd: pos };
    const problem = checkRecordAt(buf, pos);
    if (problem !== null) {
      const where = `${file} at offset ${pos}`;
      if (!isLast) throw new CorruptionError(`WAL: ${problem} in ${where}, which is not the last segment`);
      const next = findValidRecord(buf, pos + 1);
      if (next >= 0) throw new CorruptionError(`WAL: ${problem} in ${where}, followed by a valid record at offset ${next}`);
      if (records.length === 0) throw new CorruptionError(`WAL: ${problem} in ${where}: the segment header is unreadable`);
      return { records, validEnd: pos, torn: `${problem} at offset ${pos}` };
    }
    const length = buf.readUInt32LE(pos);
    const code = buf[pos + 8] as number;
    const payload = buf.subarray(pos + RECORD_HEADER_BYTES, pos + RECORD_HEADER_BYTES + length);
    records.push({ record: decodePayload(code, payload, `${file} at offset ${pos}`), offset: pos });
    pos += RECORD_HEADER_BYTES + length;
  }
  return { records, validEnd: pos };
}

/** Whether every byte from `from` to the end of `buf` is zero. */
function isZero(buf: Buffer, from: number): boolean {
  for (let p = from; p < buf.length; p++) if (buf[p] !== 0) return false;
  return true;
}

/** Why the bytes at `pos` are not a whole record with a good checksum, or null if they are. */
function checkRecordAt(buf: Buffer, pos: number): string | null {
  if (buf.length - pos < RECORD_HEADER_BYTES) return `partial record header (${buf.length - pos} bytes)`;
  const length = buf.readUInt32LE(pos);
  if (length > MAX_RECORD_BYTES) return `implausible record length ${length}`;
  const end = pos + RECORD_HEADER_BYTES + length;
  if (end > buf.length) return `partial record (${length}-byte payload, ${buf.length - pos - RECORD_HEADER_BYTES} present)`;
  const want = buf.readUInt32LE(pos + 4);
  const got = crc32(buf.subarray(pos + 8, end));
  if (want !== got) return `checksum mismatch (stored ${hex(want)}, computed ${hex(got)})`;
  if (!KNOWN_CODES.has(buf[pos + 8] as number)) return `unknown record type ${buf[pos + 8]}`;
  return null;
}

/**
 * The offset of the first plausible valid record at or after `from`, or -1. Used only on the
 * error path, to tell a torn tail (nothing valid after it) from damage in the middle.
 */
function findValidRecord(buf: Buffer, from: number): number {
  for (let p = from; p + RECORD_HEADER_BYTES <= buf.length; p++) {
    const length = buf.readUInt32LE(p);
    if (length === 0 || length > MAX_RECORD_BYTES || p + RECORD_HEADER_BYTES + length > buf.length) continue;
    if (!KNOWN_CODES.has(buf[p + 8] as number)) continue;
    if (checkRecordAt(buf, p) === null) return p;
  }
  return -1;
}

function decodePayload(code: number, payload: Buffer, where: string): WalRecord {
  const fail = (reason: string): Error => new CorruptionError(`WAL: undecodable record in ${where}: ${reason}`);
  const r = new BinaryReader(payload, fail);
  let rec: WalRecord;
  if (code === TYPE_CODE.segmentHeader) {
    const magic = r.u32();
    const version = r.u8();
    if (magic !== SEGMENT_MAGIC) throw fail(`bad segment magic ${hex(magic)}`);
    if (version !== FORMAT_VERSION) throw fail(`unsupported WAL format version ${version}`);
    rec = { type: 'segmentHeader', seq: r.u64(), firstIndex: r.u64() };
  } else if (code === TYPE_CODE.hardState) {
    rec = { type: 'hardState', hardState: readHardState(r) };
  } else if (code === TYPE_CODE.entries) {
    const n = r.u32();
    const entries: Entry[] = [];
    for (let i = 0; i < n; i++) entries.push(readEntry(r, fail));
    rec = { type: 'entries', entries };
  } else {
    rec = { type: 'snapshot', index: r.u64(), term: r.u64(), replacesLog: r.u8() === 1 };
  }
  r.end();
  return rec;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
