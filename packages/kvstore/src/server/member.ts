/**
 * A whole store member as a process runs it: the EtcdServer, its gRPC client endpoint and its
 * HTTP health/metrics endpoint. main.ts builds one from flags; tests start one in-process.
 */
import type * as grpc from '@grpc/grpc-js';
import { listenGrpcFront } from '../grpc/authority-front';
import type { GrpcFront } from '../grpc/authority-front';
import { createEtcdGrpcServer, shutdownGrpc } from '../grpc/grpc-server';
import { hostPortOf } from './cluster-config';
import { EtcdServer } from './etcd-server';
import type { EtcdServerOptions } from './etcd-server';
import { startHttpEndpoints } from './http-endpoints';
import type { HttpEndpoints } from './http-endpoints';

export interface MemberOptions extends EtcdServerOptions {
  /** --listen-client-urls; port 0 picks a free port (the bound ports are in RunningMember). */
  listenClientURLs: string[];
  /** --listen-metrics-urls (may be empty). */
  listenMetricsURLs: string[];
}

export interface RunningMember {
  server: EtcdServer;
  clientPorts: number[];
  metricsPorts: number[];
  stop(): Promise<void>;
}

export async function startMember(opts: MemberOptions): Promise<RunningMember> {
  const server = await EtcdServer.start(opts);
  const grpcServer: grpc.Server = createEtcdGrpcServer(server, {
    clock: opts.clock,
    ...(opts.maxRequestBytes === undefined ? {} : { maxRequestBytes: opts.maxRequestBytes }),
  });
  const clientPorts: number[] = [];
  const https: HttpEndpoints[] = [];
  // Client ports are accepted by a front that hands each connection to grpc-js (authority-front.ts).
  const fronts: GrpcFront[] = [];
  try {
    for (const url of opts.listenClientURLs) {
      const front = await listenGrpcFront(grpcServer, hostPortOf(url));
      fronts.push(front);
      clientPorts.push(front.port);
    }
    for (const url of opts.listenMetricsURLs) {
      const u = new URL(url);
      https.push(await startHttpEndpoints(server, u.hostname, Number(u.port)));
    }
  } catch (err) {
    await Promise.all(fronts.map((f) => f.close()));
    await shutdownGrpc(grpcServer, 0);
    await Promise.all(https.map((h) => h.close()));
    await server.stop();
    throw err;
  }
  return {
    server,
    clientPorts,
    metricsPorts: https.map((h) => h.port),
    async stop() {
      await shutdownGrpc(grpcServer);
      await Promise.all(fronts.map((f) => f.close()));
      await Promise.all(https.map((h) => h.close()));
      await server.stop();
    },
  };
}
