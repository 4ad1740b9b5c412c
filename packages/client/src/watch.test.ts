import { ConnectionError } from './api-error';
import { AsyncQueue } from './testing/async-queue';
import { JsonStreamDecoder, Watch, WatchDecodeError } from './watch';
import type { WatchEvent } from './watch';

describe('JsonStreamDecoder', () => {
  it('yields events split across chunks and several events per chunk', () => {
    const text = '{"type":"ADDED","object":{"metadata":{"name":"a}\\"{"}}}\n{"type":"DELETED","object":{"a":[1,{"b":2}]}}\n';
    for (let cut = 1; cut < text.length; cut++) {
      const d = new JsonStreamDecoder();
      const out = [...d.push(text.slice(0, cut)), ...d.push(text.slice(cut))];
      d.end();
      expect(out).toEqual([
        { type: 'ADDED', object: { metadata: { name: 'a}"{' } } },
        { type: 'DELETED', object: { a: [1, { b: 2 }] } },
      ]);
    }
  });

  it('accepts values written back to back without newlines', () => {
    const d = new JsonStreamDecoder();
    expect(d.push('{"a":1}{"b":2}  {"c"')).toEqual([{ a: 1 }, { b: 2 }]);
    expect(d.push(':3}')).toEqual([{ c: 3 }]);
  });

  it('rejects garbage between events and a stream ending inside an event', () => {
    expect(() => new JsonStreamDecoder().push('{"a":1} x')).toThrow(WatchDecodeError);
    const d = new JsonStreamDecoder();
    d.push('{"a":');
    expect(() => d.end()).toThrow(/ended inside an event/);
  });
});

describe('Watch', () => {
  it('iterates events as they arrive and ends when the server closes', async () => {
    const body = new AsyncQueue<string>();
    const w = new Watch<{ metadata: { name: string } }>(body, new AbortController());
    const seen: WatchEvent<{ metadata: { name: string } }>[] = [];
    const done = w.forEach((e) => seen.push(e));
    body.push('{"type":"ADDED","object":{"metadata":{"name":"x"}}}\n{"type":"MOD');
    body.push('IFIED","object":{"metadata":{"name":"x"}}}\n');
    body.push('{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","code":410,"reason":"Expired"}}\n');
    body.end();
    await done;
    expect(seen.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'ERROR']);
  });

  it('stop() ends a pending iteration without error and aborts the request', async () => {
    const body = new AsyncQueue<string>();
    const ctl = new AbortController();
    ctl.signal.addEventListener('abort', () => body.fail(new Error('aborted')));
    const w = new Watch(body, ctl);
    const done = w.forEach(() => undefined);
    w.stop();
    await expect(done).resolves.toBeUndefined();
    expect(ctl.signal.aborted).toBe(true);
  });

  it('a broken stream surfaces as ConnectionError', async () => {
    const body = new AsyncQueue<string>();
    const w = new Watch(body, new AbortController());
    const done = w.forEach(() => undefined);
    body.fail(new Error('socket hang up'));
    await expect(done).rejects.toBeInstanceOf(ConnectionError);
  });

  it('rejects an event of unknown type', async () => {
    const body = new AsyncQueue<string>();
    body.push('{"type":"WHATEVER","object":{}}\n');
    body.end();
    await expect(new Watch(body, new AbortController()).forEach(() => undefined)).rejects.toBeInstanceOf(WatchDecodeError);
  });
});
