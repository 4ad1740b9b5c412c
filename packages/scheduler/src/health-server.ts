// The component's HTTP endpoints on --secure-port (plain HTTP in kubemu): /healthz, /livez and
// /readyz answer "ok"; /metrics the Prometheus text of the scheduler's metrics.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export function startHealthServer(bindAddress: string, port: number, metrics: () => string, ready: () => boolean = () => true): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/livez' || (path === '/readyz' && ready())) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok');
    } else if (path === '/readyz') {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('[-]informer-sync failed: not synced\nreadyz check failed');
    } else if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics());
    } else {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bindAddress, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
