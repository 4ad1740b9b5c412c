/**
 * The peer wire protocol: plain TCP (no HTTP), a stream of length-prefixed frames.
 *
 *   frame  = u32 BE bodyLength, body
 *   body   = u8 kind, payload
 *   HELLO    (1): JSON Hello. The first frame a dialer sends; the acceptor checks cluster and
 *                 member ids (etcd's X-Etcd-Cluster-ID check) before reading anything else.
 *   RAFT     (2): u32 count, then count x (u32 len, raft encodeMessage bytes). One frame carries
 *                 every message queued for a peer during one event-loop turn.
 *   REQUEST  (3): u32 requestId, JSON {method, body}: a leader-only call forwarded by a follower.
 *   RESPONSE (4): u32 requestId, JSON {ok, body} or {ok: false, error}, on the same connection.
 *
 * JSON payloads carry byte strings as {"$b": base64}. Any frame this module cannot read is a
 * FrameError: the connection that sent it is closed, the process keeps running.
 */
import { KubemuError } from '@kubemu/base';
import { decodeMessage, encodeMessage } from '@kubemu/raft';
import type { Message } from '@kubemu/raft';

export const FRAME_HELLO = 1;
export const FRAME_RAFT = 2;
export const FRAME_REQUEST = 3;
export const FRAME_RESPONSE = 4;

/** Default bound of one frame: a snapshot travels as one frame, so this bounds snapshot size. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024 * 1024;

export interface Hello {
  clusterId: number;
  from: number;
  to: number;
  name: string;
  clientURLs: string[];
}

export interface WireError {
  code: string;
  grpcCode: number;
  message: string;
}

export type Frame =
  | { kind: 'hello'; hello: Hello }
  | { kind: 'raft'; messages: Message[] }
  | { kind: 'request'; id: number; method: string; body: unknown }
  | { kind: 'response'; id: number; ok: true; body: unknown }
  | { kind: 'response'; id: number; ok: false; error: WireError };

/** Bytes from a peer that are not a frame of this protocol. */
export class FrameError extends KubemuError {
  constructor(reason: string, cause?: unknown) {
    super('PeerFrame', `malformed peer frame: ${reason}`, cause === undefined ? undefined : { cause });
  }
}

const BYTES = '$b';

export function jsonToBytes(value: unknown): Buffer {
  const json = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const original = this[key];
    if (original instanceof Uint8Array) return { [BYTES]: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') };
    return v;
  });
  return Buffer.from(json ?? 'null', 'utf8');
}

export function jsonFromBytes(data: Uint8Array): unknown {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && BYTES in v) {
      const b64 = (v as Record<string, unknown>)[BYTES];
      if (typeof b64 === 'string') return Buffer.from(b64, 'base64');
    }
    return v;
  });
}

function frame(kind: number, payload: Buffer, prefix?: number): Buffer {
  const head = prefix === undefined ? 5 : 9;
  const out = Buffer.allocUnsafe(head + payload.length);
  out.writeUInt32BE(head - 4 + payload.length, 0);
  out.writeUInt8(kind, 4);
  if (prefix !== undefined) out.writeUInt32BE(prefix, 5);
  payload.copy(out, head);
  return out;
}

export function encodeHello(h: Hello): Buffer {
  return frame(FRAME_HELLO, jsonToBytes(h));
}

/** One RAFT frame from already encoded messages (encodeMessage output). */
export function encodeRaftFrame(encoded: Uint8Array[]): Buffer {
  let size = 9;
  for (const e of encoded) size += 4 + e.length;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32BE(size - 4, 0);
  out.writeUInt8(FRAME_RAFT, 4);
  out.writeUInt32BE(encoded.length, 5);
  let at = 9;
  for (const e of encoded) {
    out.writeUInt32BE(e.length, at);
    out.set(e, at + 4);
    at += 4 + e.length;
  }
  return out;
}

export function encodeRaftMessages(messages: Message[]): Buffer {
  return encodeRaftFrame(messages.map((m) => encodeMessage(m)));
}

export function encodeRequest(id: number, method: string, body: unknown): Buffer {
  return frame(FRAME_REQUEST, jsonToBytes({ method, body }), id);
}

export function encodeResponse(id: number, result: { ok: true; body: unknown } | { ok: false; error: WireError }): Buffer {
  return frame(FRAME_RESPONSE, jsonToBytes(result), id);
}

/**
 * Splits a byte stream into frames. push() returns the frames completed by a chunk and throws
 * FrameError on a frame that is too large, empty, of an unknown kind or with a bad payload;
 * after an error the decoder is unusable (the stream has lost its framing).
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need: number | undefined;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Frame[] = [];
    for (;;) {
      if (this.need === undefined) {
        if (this.buffered < 4) break;
        const len = this.take(4).readUInt32BE(0);
        if (len === 0) throw new FrameError('empty frame');
        if (len > this.maxFrameBytes) throw new FrameError(`frame of ${len} bytes exceeds the limit of ${this.maxFrameBytes}`);
        this.need = len;
      }
      if (this.buffered < this.need) break;
      const body = this.take(this.need);
      this.need = undefined;
      out.push(parseBody(body));
    }
    return out;
  }

  /** Bytes received but not yet part of a complete frame. */
  pendingBytes(): number {
    return this.buffered;
  }

  private take(n: number): Buffer {
    let first = this.chunks[0]!;
    if (first.length < n) {
      first = Buffer.concat(this.chunks);
      this.chunks = [first];
    }
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}

function parseBody(body: Buffer): Frame {
  const kind = body.readUInt8(0);
  try {
    switch (kind) {
      case FRAME_HELLO:
        return { kind: 'hello', hello: asHello(jsonFromBytes(body.subarray(1))) };
      case FRAME_RAFT:
        return { kind: 'raft', messages: parseRaft(body) };
      case FRAME_REQUEST: {
        need(body, 5);
        const r = jsonFromBytes(body.subarray(5)) as { method?: unknown; body?: unknown };
        if (typeof r.method !== 'string') throw new FrameError('request without a method');
        return { kind: 'request', id: body.readUInt32BE(1), method: r.method, body: r.body };
      }
      case FRAME_RESPONSE: {
        need(body, 5);
        const r = jsonFromBytes(body.subarray(5)) as { ok?: unknown; body?: unknown; error?: WireError };
        const id = body.readUInt32BE(1);
        if (r.ok === true) return { kind: 'response', id, ok: true, body: r.body };
        if (r.error === undefined || typeof r.error.message !== 'string') throw new FrameError('response without a result');
        return { kind: 'response', id, ok: false, error: r.error };
      }
      default:
        throw new FrameError(`unknown frame kind ${kind}`);
    }
  } catch (err) {
    if (err instanceof FrameError) throw err;
    throw new FrameError(err instanceof Error ? err.message : String(err), err);
  }
}

function need(body: Buffer, n: number): void {
  if (body.length < n) throw new FrameError(`frame body of ${body.length} bytes is truncated`);
}

function parseRaft(body: Buffer): Message[] {
  need(body, 5);
  const count = body.readUInt32BE(1);
  const out: Message[] = [];
  let at = 5;
  for (let i = 0; i < count; i++) {
    need(body, at + 4);
    const len = body.readUInt32BE(at);
    need(body, at + 4 + len);
    out.push(decodeMessage(body.subarray(at + 4, at + 4 + len)));
    at += 4 + len;
  }
  if (at !== body.length) throw new FrameError(`${body.length - at} trailing bytes after ${count} messages`);
  return out;
}

function asHello(v: unknown): Hello {
  const h = v as Partial<Hello> | null;
  if (h === null || typeof h !== 'object' || typeof h.clusterId !== 'number' || typeof h.from !== 'number' || typeof h.to !== 'number') {
    throw new FrameError('hello without cluster and member ids');
  }
  return { clusterId: h.clusterId, from: h.from, to: h.to, name: String(h.name ?? ''), clientURLs: Array.isArray(h.clientURLs) ? h.clientURLs.map(String) : [] };
}
