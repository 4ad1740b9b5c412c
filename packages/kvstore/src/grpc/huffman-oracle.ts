/**
 * Decodes an HPACK Huffman-coded string with Node's own HPACK decoder (nghttp2) instead of a
 * hand-kept copy of the code table: the string is put, as the value of an ordinary header, in a
 * synthetic request fed to an in-process HTTP/2 server over an in-memory stream. Results are
 * cached (clients reuse a handful of endpoint strings). Resolves undefined when it cannot decode.
 */
import { Duplex } from 'node:stream';
import http2 from 'node:http2';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const NAME = 'x-kubemu-decode';
const cache = new Map<string, string | undefined>();
let server: http2.Http2Server | undefined;

function hpackLength(n: number, huffman: boolean): number[] {
  const flag = huffman ? 0x80 : 0;
  if (n < 127) return [flag | n];
  const out = [flag | 127];
  let rest = n - 127;
  while (rest >= 128) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

let seq = 0;

/** A request whose :authority is `tag` (to find its stream) carrying `coded` as a header value. */
function request(coded: Buffer, tag: string): Buffer {
  const block = Buffer.concat([
    // :method GET, :scheme http, :path / (static indexes 2, 6, 4), :authority tag (literal, not indexed).
    Buffer.from([0x82, 0x86, 0x84, 0x01, tag.length]), Buffer.from(tag),
    // The coded string as the value of a literal, not indexed, new-name header.
    Buffer.from([0x00, NAME.length]), Buffer.from(NAME),
    Buffer.from(hpackLength(coded.length, true)), coded,
  ]);
  const head = Buffer.alloc(9);
  head.writeUIntBE(block.length, 0, 3);
  head[3] = 1; // HEADERS
  head[4] = 0x4 | 0x1; // END_HEADERS | END_STREAM
  head.writeUInt32BE(1, 5);
  return Buffer.concat([PREFACE, Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]), head, block]);
}

export function decodeHuffman(coded: Buffer): Promise<string | undefined> {
  const key = coded.toString('hex');
  if (cache.has(key)) return Promise.resolve(cache.get(key));
  server ??= http2.createServer();
  const srv = server;
  const tag = `d${++seq}`;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (v: string | undefined): void => {
      if (settled) return;
      settled = true;
      if (cache.size < 1000) cache.set(key, v);
      conn.destroy();
      resolve(v);
    };
    const conn = new Duplex({
      read() {},
      write(_chunk, _enc, cb) {
        cb(); // the server's answers are not needed
      },
    });
    conn.on('error', () => finish(undefined));
    const onStream = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void => {
      if (headers[':authority'] !== tag) return;
      srv.off('stream', onStream);
      const v = headers[NAME];
      stream.close();
      finish(typeof v === 'string' ? v : undefined);
    };
    srv.on('stream', onStream);
    setTimeout(() => {
      srv.off('stream', onStream);
      finish(undefined);
    }, 1000).unref();
    srv.emit('connection', conn);
    conn.push(request(coded, tag));
  });
}
