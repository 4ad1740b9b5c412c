/**
 * bench:grpc-overhead - what the gRPC server stack alone costs per call, to tell it apart from the
 * kvstore's own path in bench:kvstore's "members CPU µs/op".
 *
 * A child process serves etcd's KV.Put with a handler that does nothing (it answers a fixed
 * header), in one of two ways:
 *   grpc-js   @grpc/grpc-js's Server, as the kvstore serves (channelz off, as there)
 *   http2     bare node:http2 with the gRPC framing written here (5-byte message prefix, status in
 *             the trailers): what a server without grpc-js would still pay for HTTP/2 in Node
 * This process drives it with the `etcd3` client at 16 puts in flight (bench:kvstore's c16 row,
 * 256-byte values) and reads the child's CPU (process.cpuUsage over IPC) around the measured
 * calls. Each server runs twice, alternately. No anchor: a diagnostic.
 *
 * Usage: npm run bench:grpc-overhead [-- --calls 20000]
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { etcdServices } from '@kubemu/kvstore';
import { VALUE_BYTES } from './support/workload';
import { flag } from './support/args';

type ServerKind = 'grpc-js' | 'http2';
const INFLIGHT = 16;
const WARMUP = 5000;

const HEADER = { clusterId: '1', memberId: '1', revision: '1', raftTerm: '1' };

/** The child: serves KV.Put (every other KV method answers UNIMPLEMENTED) and reports its CPU on request. */
function serve(kind: ServerKind): void {
  const kv = etcdServices().KV.service;
  const put = kv.Put!;
  const ready = (port: number): void => {
    process.send?.({ port });
  };
  if (kind === 'grpc-js') {
    const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
    const impl: grpc.UntypedServiceImplementation = {};
    for (const method of Object.keys(kv)) {
      impl[method] = (_call: unknown, cb: grpc.sendUnaryData<unknown>) => (method === 'Put' ? cb(null, { header: HEADER }) : cb({ code: grpc.status.UNIMPLEMENTED }));
    }
    server.addService(kv, impl);
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err !== null) throw err;
      ready(port);
    });
  } else {
    const server = http2.createServer();
    server.on('stream', (stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        put.requestDeserialize(Buffer.concat(chunks).subarray(5));
        const body = put.responseSerialize({ header: HEADER });
        const frame = Buffer.allocUnsafe(5 + body.length);
        frame[0] = 0;
        frame.writeUInt32BE(body.length, 1);
        body.copy(frame, 5);
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(frame);
      });
    });
    server.listen(0, '127.0.0.1', () => ready((server.address() as { port: number }).port));
  }
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
}

function next<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve) => child.once('message', (m) => resolve(m as T)));
}

async function measure(kind: ServerKind, calls: number): Promise<{ cpuUs: number; perSecond: number }> {
  const child = fork(__filename, ['--serve', kind]);
  try {
    const { port } = await next<{ port: number }>(child);
    const client = new Etcd3({ hosts: `127.0.0.1:${port}` });
    const value = Buffer.alloc(VALUE_BYTES, 'x');
    const run = async (n: number): Promise<void> => {
      let i = 0;
      await Promise.all(
        Array.from({ length: INFLIGHT }, async () => {
          while (i < n) {
            const k = i++;
            await client.put(`k${(k % 1000).toString().padStart(7, '0')}`).value(value);
          }
        }),
      );
    };
    const cpu = async (): Promise<number> => {
      const m = next<{ cpu: NodeJS.CpuUsage }>(child);
      child.send('cpu');
      const { cpu: c } = await m;
      return c.user + c.system;
    };
    await run(WARMUP);
    const c0 = await cpu();
    const t0 = performance.now();
    await run(calls);
    const seconds = (performance.now() - t0) / 1000;
    const c1 = await cpu();
    client.close();
    return { cpuUs: (c1 - c0) / calls, perSecond: calls / seconds };
  } finally {
    child.kill();
  }
}

async function main(): Promise<void> {
  const calls = Number(flag('calls') ?? 20_000);
  console.log(`a KV.Put handler that does nothing, ${calls} calls at ${INFLIGHT} in flight through the etcd3 client; server CPU per call:`);
  const seen: Record<ServerKind, number[]> = { 'grpc-js': [], http2: [] };
  for (const kind of ['grpc-js', 'http2', 'grpc-js', 'http2'] as const) {
    const r = await measure(kind, calls);
    seen[kind].push(r.cpuUs);
    console.log(`  ${kind.padEnd(8)} ${r.cpuUs.toFixed(1)} µs/call  (${r.perSecond.toFixed(0)} calls/s)`);
  }
  const best = (k: ServerKind): string => Math.min(...seen[k]).toFixed(1);
  console.log(`grpc overhead: grpc_js_us=${best('grpc-js')} http2_us=${best('http2')}`);
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0) {
  serve(process.argv[serveAt + 1] as ServerKind);
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
