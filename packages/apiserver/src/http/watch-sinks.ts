// Where watch events go: a chunked HTTP response of JSON lines, or a websocket (one JSON text
// message per event), as kube-apiserver serves them.
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { WatchEventType, WatchSink } from './watch';

/**
 * A chunked response of JSON lines. Lines queued during one turn of the event loop leave in one
 * write: under load many store watch responses are read in one turn, and a write per event cost
 * a chunk, a TLS record and a syscall each. The flush runs from setImmediate, after the I/O
 * callbacks of the current turn: it batches what is already there and never waits on a timer.
 * Invariant: lines leave in the order they were sent, and close() sends what is queued first.
 */
export function chunkedSink(res: ServerResponse): WatchSink {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  let queued: string[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (queued.length === 0) return;
    const text = `${queued.join('\n')}\n`;
    queued = [];
    if (!res.writableEnded) res.write(text);
  };
  const enqueue = (line: string): void => {
    if (res.writableEnded) return;
    queued.push(line);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  return {
    send(type: WatchEventType, object: unknown): void {
      enqueue(JSON.stringify({ type, object }));
    },
    sendEncoded(line: string): void {
      enqueue(line);
    },
    close(): void {
      flush();
      if (!res.writableEnded) res.end();
    },
    onClose(cb: () => void): void {
      res.on('close', cb);
    },
  };
}

export function websocketSink(ws: WebSocket): WatchSink {
  return {
    send(type: WatchEventType, object: unknown): void {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type, object }));
    },
    sendEncoded(line: string): void {
      if (ws.readyState === ws.OPEN) ws.send(line);
    },
    close(): void {
      ws.close(1000);
    },
    onClose(cb: () => void): void {
      ws.on('close', cb);
    },
  };
}
