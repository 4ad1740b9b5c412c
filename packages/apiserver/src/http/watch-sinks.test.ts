// A chunked watch response: events of one event-loop turn leave together, in order, and closing
// sends what is queued before ending the response.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WatchSink } from './watch';
import { chunkedSink } from './watch-sinks';

let server: Server;
let url: string;
/** What the test does with each request's sink. */
let script: (sink: WatchSink) => void;
/** The response's write() calls, per request. */
let writes: string[];

beforeAll(async () => {
  server = createServer((_req, res) => {
    const write = res.write.bind(res) as (chunk: string) => boolean;
    res.write = ((chunk: string) => {
      writes.push(chunk);
      return write(chunk);
    }) as typeof res.write;
    script(chunkedSink(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  writes = [];
});

test('events sent in one turn arrive in order, in one chunk', async () => {
  script = (sink) => {
    for (let i = 0; i < 5; i++) sink.send('ADDED', { i });
    sink.sendEncoded?.('{"type":"MODIFIED","object":{"i":5}}');
    setTimeout(() => {
      sink.send('DELETED', { i: 6 });
      setTimeout(() => sink.close(), 5);
    }, 5);
  };
  const text = await (await fetch(url)).text();
  const events = text.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { i: number } });
  expect(events.map((e) => [e.type, e.object.i])).toEqual([['ADDED', 0], ['ADDED', 1], ['ADDED', 2], ['ADDED', 3], ['ADDED', 4], ['MODIFIED', 5], ['DELETED', 6]]);
  expect(writes).toHaveLength(2);
});

test('close sends the events still queued, then ends the response', async () => {
  script = (sink) => {
    sink.send('ADDED', { i: 1 });
    sink.send('ERROR', { code: 410 });
    sink.close();
    sink.send('ADDED', { i: 2 }); // after close: dropped
  };
  const text = await (await fetch(url)).text();
  expect(text).toBe('{"type":"ADDED","object":{"i":1}}\n{"type":"ERROR","object":{"code":410}}\n');
});
