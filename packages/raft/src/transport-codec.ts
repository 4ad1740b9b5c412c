import { InvalidArgumentError, KubemuError } from '@kubemu/base';
import type { Entry, Message, MessageType } from './types';
import { BinaryReader, BinaryWriter, readEntry, readSnapshotMetadata, writeEntry, writeSnapshotMetadata } from './wal-codec';

/**
 * Binary encoding of a Raft Message for peer transports:
 *
 *   u8 version, u8 type, u64 to, from, term, logTerm, index, commit, rejectHint,
 *   u8 flags (1 reject, 2 snapshot present, 4 context present),
 *   u32 nEntries, entries (as in the WAL), [snapshot metadata, u32 len, data], [u32 len, context]
 *
 * The type codes are positions in MESSAGE_TYPES: append new types at the end, never reorder.
 */

const VERSION = 1;
const FLAG_REJECT = 1;
const FLAG_SNAPSHOT = 2;
const FLAG_CONTEXT = 4;

const MESSAGE_TYPES: readonly MessageType[] = [
  'MsgHup',
  'MsgBeat',
  'MsgCheckQuorum',
  'MsgUnreachable',
  'MsgSnapStatus',
  'MsgProp',
  'MsgApp',
  'MsgAppResp',
  'MsgVote',
  'MsgVoteResp',
  'MsgPreVote',
  'MsgPreVoteResp',
  'MsgSnap',
  'MsgHeartbeat',
  'MsgHeartbeatResp',
  'MsgTransferLeader',
  'MsgTimeoutNow',
  'MsgReadIndex',
  'MsgReadIndexResp',
];
const TYPE_CODES: ReadonlyMap<MessageType, number> = new Map(MESSAGE_TYPES.map((t, i) => [t, i]));

/** Bytes from a peer that are not a message this codec can read. */
export class MessageDecodeError extends KubemuError {
  constructor(reason: string) {
    super('RaftMessageDecode', `cannot decode raft message: ${reason}`);
  }
}

export function encodeMessage(m: Message): Uint8Array {
  let size = 96;
  for (const e of m.entries) size += e.data.length + 21;
  if (m.snapshot !== undefined) size += m.snapshot.data.length + 64;
  const w = new BinaryWriter(size);
  const flags = (m.reject ? FLAG_REJECT : 0) | (m.snapshot !== undefined ? FLAG_SNAPSHOT : 0) | (m.context !== undefined ? FLAG_CONTEXT : 0);
  const code = TYPE_CODES.get(m.type);
  if (code === undefined) throw new InvalidArgumentError(`cannot encode message type ${String(m.type)}`);
  w.u8(VERSION).u8(code);
  w.u64(m.to).u64(m.from).u64(m.term).u64(m.logTerm).u64(m.index).u64(m.commit).u64(m.rejectHint);
  w.u8(flags).u32(m.entries.length);
  for (const e of m.entries) writeEntry(w, e);
  if (m.snapshot !== undefined) {
    writeSnapshotMetadata(w, m.snapshot.metadata);
    w.bytes(m.snapshot.data);
  }
  if (m.context !== undefined) w.bytes(m.context);
  return w.finish();
}

export function decodeMessage(bytes: Uint8Array): Message {
  const fail = (reason: string): Error => new MessageDecodeError(reason);
  const r = new BinaryReader(bytes, fail);
  const version = r.u8();
  if (version !== VERSION) throw fail(`unsupported version ${version}`);
  const type = MESSAGE_TYPES[r.u8()];
  if (type === undefined) throw fail('unknown message type');
  const m: Message = {
    type,
    to: r.u64(),
    from: r.u64(),
    term: r.u64(),
    logTerm: r.u64(),
    index: r.u64(),
    commit: r.u64(),
    rejectHint: r.u64(),
    reject: false,
    entries: [],
  };
  const flags = r.u8();
  m.reject = (flags & FLAG_REJECT) !== 0;
  const n = r.u32();
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) entries.push(readEntry(r, fail));
  m.entries = entries;
  if ((flags & FLAG_SNAPSHOT) !== 0) {
    const metadata = readSnapshotMetadata(r);
    m.snapshot = { metadata, data: r.bytes() };
  }
  if ((flags & FLAG_CONTEXT) !== 0) m.context = r.bytes();
  r.end();
  return m;
}
