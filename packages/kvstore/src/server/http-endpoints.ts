/**
 * The member's plain-HTTP side (etcd's --listen-metrics-urls): /health as etcd answers it
 * ({"health":"true"} once a leader is known and a linearizable read succeeds), /healthz and
 * /livez for the project's probes, and /metrics in Prometheus text.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EtcdServer } from './etcd-server';

export interface HttpEndpoints {
  port: number;
  close(): Promise<void>;
}

export function metricsRegistry(server: EtcdServer): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const gauge = (name: string, help: string, value: () => Promise<number>): void => {
    new Gauge({
      name, help, registers: [registry],
      async collect() {
        this.set(await value());
      },
    });
  };
  gauge('etcd_server_has_leader', 'Whether a leader exists (1) or not (0).', async () => ((await server.status()).leader !== 0 ? 1 : 0));
  gauge('etcd_server_is_leader', 'Whether this member is the leader.', () => Promise.resolve(server.isLeader() ? 1 : 0));
  gauge('etcd_debugging_mvcc_current_revision', 'The current revision of the store.', () => Promise.resolve(server.header().revision));
  gauge('etcd_server_proposals_committed_total', 'The committed Raft index.', async () => (await server.status()).raftIndex);
  gauge('etcd_server_proposals_applied_total', 'The applied Raft index.', async () => (await server.status()).raftAppliedIndex);
  gauge('etcd_mvcc_db_total_size_in_bytes', 'Approximate size of the store.', async () => (await server.status()).dbSize);
  // The server keeps plain counts (it has no registry); each scrape adds what grew since the last.
  const counter = (name: string, help: string, value: () => number): void => {
    let seen = 0;
    new Counter({
      name, help, registers: [registry],
      collect() {
        const v = value();
        if (v > seen) this.inc(v - seen);
        seen = v;
      },
    });
  };
  // etcd's buckets: 1 ms doubling up to ~8 s. The count is the number of WAL syncs, so the
  // committed index's growth divided by it is how many entries share a sync (batching).
  const walSync = new Histogram({
    name: 'etcd_disk_wal_fsync_duration_seconds',
    help: 'The latency distributions of fsync called by WAL.',
    buckets: Array.from({ length: 14 }, (_, i) => 0.001 * 2 ** i),
    registers: [registry],
  });
  server.onWalSync((seconds) => walSync.observe(seconds));
  counter('etcd_network_snapshot_receive_total', 'Snapshots received from the leader and installed.', () => server.snapshotsReceived);
  counter('etcd_network_snapshot_send_success_total', 'Snapshots sent to peers in full.', () => server.snapshotsSent);
  return registry;
}

export function startHttpEndpoints(server: EtcdServer, host: string, port: number): Promise<HttpEndpoints> {
  const registry = metricsRegistry(server);
  const httpServer = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const reply = (code: number, type: string, body: string): void => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    if (url === '/metrics') {
      registry.metrics().then(
        (text) => reply(200, registry.contentType, text),
        (err: unknown) => reply(500, 'text/plain', String(err)),
      );
    } else if (url === '/health' || url === '/healthz' || url === '/readyz') {
      server.range({ key: Buffer.from('health') }).then(
        () => reply(200, 'application/json', url === '/health' ? '{"health":"true","reason":""}' : 'ok'),
        (err: unknown) => reply(503, 'application/json', JSON.stringify({ health: 'false', reason: String(err) })),
      );
    } else if (url === '/livez') {
      reply(200, 'text/plain', 'ok');
    } else {
      reply(404, 'text/plain', 'not found');
    }
  });
  return new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => {
      resolve({
        port: (httpServer.address() as AddressInfo).port,
        close: () => new Promise((r) => httpServer.close(() => r())),
      });
    });
  });
}
