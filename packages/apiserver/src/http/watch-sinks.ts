// Where watch events go: a chunked HTTP response of JSON lines, or a websocket (one JSON text
// message per event), as kube-apiserver serves them.
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { WatchEventType, WatchSink } from './watch';

export function chunkedSink(res: ServerResponse): WatchSink {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  return {
    send(type: WatchEventType, object: unknown): void {
      if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
    },
    sendEncoded(line: string): void {
      if (!res.writableEnded) res.write(`${line}\n`);
    },
    close(): void {
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
