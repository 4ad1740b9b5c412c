/**
 * The client port's listener, in front of grpc-js, for one incompatibility between etcdctl and
 * Node's HTTP/2: etcd 3.4's clientv3 dials some calls (Maintenance.Status, hence `etcdctl
 * endpoint status`, with or without --cluster) with the endpoint as given, so the :authority it
 * sends is "http://host:2379". Go's gRPC server accepts that; Node's nghttp2 resets the stream
 * with PROTOCOL_ERROR before grpc-js sees it.
 *
 * So each connection is read here until its first HEADERS frame. If that frame's :authority is a
 * literal containing "://", the literal is replaced by one of the SAME length without the scheme
 * separator ("http://h:1" -> "http___h:1"): equal length keeps both HPACK dynamic tables the same
 * size, so the client's later references to the indexed entry stay valid. Then the socket itself
 * is handed to grpc-js (connection injector), so every later byte flows natively, untouched.
 *
 * The client waits for the server's SETTINGS before sending HEADERS, so this front sends an empty
 * SETTINGS frame first and swallows the client's ACK of it (nghttp2 would take a stray ACK for
 * its own). Huffman-coded literals are decoded by Node's own HPACK decoder (huffman-oracle.ts).
 */
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { decodeHuffman } from './huffman-oracle';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
const TYPE_HEADERS = 1;
const TYPE_SETTINGS = 4;
const FLAG_ACK = 1;
const FLAG_END_HEADERS = 4;
const FLAG_PADDED = 8;
const FLAG_PRIORITY = 0x20;
/** Give up waiting for the handshake (an idle client): hand over what arrived. */
const HANDSHAKE_WAIT_MS = 3000;

export interface GrpcFront {
  port: number;
  close(): Promise<void>;
}

export async function listenGrpcFront(server: grpc.Server, hostPort: string): Promise<GrpcFront> {
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const sockets = new Set<net.Socket>();
  const front = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    // A reset during the handshake must not become an unhandled 'error' (it would end the process).
    s.on('error', () => s.destroy());
    new Handshake(s, (sock) => injector.injectConnection(sock)).start();
  });
  const at = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, at).replace(/^\[|\]$/g, '');
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen({ host, port: Number(hostPort.slice(at + 1)) }, () => {
      front.off('error', reject);
      resolve();
    });
  });
  const addr = front.address();
  return {
    port: typeof addr === 'object' && addr !== null ? addr.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        injector.destroy();
        for (const s of sockets) s.destroy();
        front.close(() => resolve());
      }),
  };
}

class Handshake {
  private buf: Buffer = Buffer.alloc(0);
  private ackSeen = false;
  private headersAt: number | undefined;
  private done = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onData = (c: Buffer): void => this.data(c);

  constructor(
    private readonly s: net.Socket,
    private readonly inject: (s: net.Socket) => void,
  ) {}

  start(): void {
    this.s.write(EMPTY_SETTINGS);
    this.s.on('data', this.onData);
    this.timer = setTimeout(() => this.handOver(this.buf), HANDSHAKE_WAIT_MS);
  }

  private data(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.buf.length >= PREFACE.length && !this.buf.subarray(0, PREFACE.length).equals(PREFACE)) {
      this.handOver(this.buf); // not HTTP/2: let grpc-js refuse it as it would
      return;
    }
    let at = PREFACE.length;
    while (this.buf.length >= at + 9) {
      const len = this.buf.readUIntBE(at, 3);
      const type = this.buf[at + 3]!;
      const flags = this.buf[at + 4]!;
      if (this.buf.length < at + 9 + len) break;
      if (type === TYPE_SETTINGS && (flags & FLAG_ACK) !== 0 && !this.ackSeen) {
        // Our SETTINGS' ACK: drop it from what nghttp2 will read.
        this.ackSeen = true;
        this.buf = Buffer.concat([this.buf.subarray(0, at), this.buf.subarray(at + 9 + len)]);
        continue;
      }
      if (type === TYPE_HEADERS && this.headersAt === undefined) this.headersAt = at;
      else if (type !== TYPE_SETTINGS && this.headersAt === undefined && type !== 8 /* WINDOW_UPDATE */) this.headersAt = -1;
      at += 9 + len;
    }
    if (this.ackSeen && this.headersAt !== undefined) void this.finish();
  }

  private async finish(): Promise<void> {
    if (this.done) return;
    const at = this.headersAt!;
    let out: Buffer = this.buf;
    if (at >= 0) out = (await fixAuthority(this.buf, at)) ?? this.buf;
    this.handOver(out);
  }

  private handOver(bytes: Buffer): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.s.off('data', this.onData);
    this.s.pause();
    if (bytes.length > 0) this.s.unshift(bytes);
    this.inject(this.s);
  }
}

/** HPACK integer with an n-bit prefix at buf[at]; returns [value, next offset]. */
function readInt(buf: Buffer, at: number, n: number): [number, number] {
  const max = (1 << n) - 1;
  let v = buf[at]! & max;
  let i = at + 1;
  if (v < max) return [v, i];
  let shift = 0;
  for (;;) {
    const b = buf[i++];
    if (b === undefined) throw new Error('truncated integer');
    v += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [v, i];
  }
}

function writeInt(first: number, n: number, v: number): number[] {
  const max = (1 << n) - 1;
  if (v < max) return [first | v];
  const out = [first | max];
  let rest = v - max;
  while (rest >= 128) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/**
 * `buf` with the HEADERS frame at `at` rewritten when its :authority (static index 1) literal
 * holds a scheme; undefined when nothing needs changing or the block is not understood.
 */
async function fixAuthority(buf: Buffer, at: number): Promise<Buffer | undefined> {
  const len = buf.readUIntBE(at, 3);
  const flags = buf[at + 4]!;
  if ((flags & FLAG_END_HEADERS) === 0) return undefined;
  let p = at + 9;
  let end = at + 9 + len;
  if ((flags & FLAG_PADDED) !== 0) end -= buf[p++]!;
  if ((flags & FLAG_PRIORITY) !== 0) p += 5;
  try {
    while (p < end) {
      const b = buf[p]!;
      if ((b & 0x80) !== 0) {
        p = readInt(buf, p, 7)[1];
        continue;
      }
      if ((b & 0xe0) === 0x20) {
        p = readInt(buf, p, 5)[1];
        continue;
      }
      const prefix = (b & 0x40) !== 0 ? 6 : 4;
      const [nameIndex, afterName] = readInt(buf, p, prefix);
      let q = afterName;
      if (nameIndex === 0) q = readInt(buf, q, 7)[1] + readInt(buf, q, 7)[0];
      const huffman = (buf[q]! & 0x80) !== 0;
      const [vlen, vstart] = readInt(buf, q, 7);
      if (nameIndex === 1) {
        const raw = buf.subarray(vstart, vstart + vlen);
        const value = huffman ? await decodeHuffman(raw) : raw.toString('latin1');
        if (value === undefined || !value.includes('://')) return undefined;
        const fixed = Buffer.from(value.replace(/:\/\//g, '___'), 'latin1');
        const literal = Buffer.concat([Buffer.from(writeInt(0, 7, fixed.length)), fixed]);
        const block = Buffer.concat([buf.subarray(at + 9, q), literal, buf.subarray(vstart + vlen, at + 9 + len)]);
        const head = Buffer.from(buf.subarray(at, at + 9));
        head.writeUIntBE(block.length, 0, 3);
        return Buffer.concat([buf.subarray(0, at), head, block, buf.subarray(at + 9 + len)]);
      }
      p = vstart + vlen;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
