/**
 * The etcd v3 gRPC endpoint of a member: all services over one backend, with etcd's message size
 * limits (gRPC accepts max-request-bytes plus 512 KiB so that etcd's own "request is too large"
 * check, made on the replicated request, answers first for anything in between).
 */
import * as grpc from '@grpc/grpc-js';
import type { Clock } from '@kubemu/base';
import type { EtcdBackend } from './backend';
import { DEFAULT_MAX_REQUEST_BYTES, GRPC_OVERHEAD_BYTES, etcdServices } from './proto';
import { authService, clusterService, kvService, leaseService, maintenanceService } from './unary-services';
import { watchService } from './watch-service';

export interface EtcdGrpcServerOptions {
  clock: Clock;
  maxRequestBytes?: number;
  /** Default 10 minutes, etcd's default. */
  progressNotifyIntervalMs?: number;
}

export function createEtcdGrpcServer(backend: EtcdBackend, opts: EtcdGrpcServerOptions): grpc.Server {
  const maxRequestBytes = opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxRequestBytes + GRPC_OVERHEAD_BYTES,
    'grpc.max_send_message_length': 2 ** 31 - 1,
    // etcd's defaults: clients may ping every 5 s, the server pings idle connections every 2 h.
    'grpc.keepalive_time_ms': 2 * 60 * 60 * 1000,
    'grpc.keepalive_timeout_ms': 20 * 1000,
    'grpc.http2.min_ping_interval_without_data_ms': 5000,
    'grpc.keepalive_permit_without_calls': 1,
    // grpc-js's channelz bookkeeping (per-call counters and objects for a debugging service this
    // server does not register) costs on every call: etcd serves no channelz either.
    'grpc.enable_channelz': 0,
  });
  const svc = etcdServices();
  server.addService(svc.KV.service, kvService(backend));
  server.addService(svc.Watch.service, watchService(backend, {
    clock: opts.clock,
    progressNotifyIntervalMs: opts.progressNotifyIntervalMs ?? 10 * 60 * 1000,
    maxResponseBytes: maxRequestBytes,
  }));
  server.addService(svc.Lease.service, leaseService(backend));
  server.addService(svc.Cluster.service, clusterService(backend));
  server.addService(svc.Maintenance.service, maintenanceService(backend));
  server.addService(svc.Auth.service, authService(backend));
  return server;
}

/** Binds insecurely to host:port (port 0: any free port) and resolves with the bound port. */
export function listenGrpc(server: grpc.Server, hostPort: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(hostPort, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
}

/** Graceful shutdown, forced after `graceMs` (open watch streams would otherwise hold it forever). */
export function shutdownGrpc(server: grpc.Server, graceMs = 1000): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(t);
      resolve();
    });
  });
}
