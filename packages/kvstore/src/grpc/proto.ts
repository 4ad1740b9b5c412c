/**
 * Loads etcd's .proto files that ship with the package (packages/kvstore/proto). The path is
 * relative to this file, which sits two levels below the package root both as src/grpc/*.ts and
 * as dist/grpc/*.js, so tests, the build and the container image all find the same files.
 */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const PROTO_DIR = path.join(__dirname, '..', '..', 'proto');

/** Decoding options every kvstore peer of the wire uses: etcd-types.ts describes the result. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export interface EtcdServices {
  KV: grpc.ServiceClientConstructor;
  Watch: grpc.ServiceClientConstructor;
  Lease: grpc.ServiceClientConstructor;
  Cluster: grpc.ServiceClientConstructor;
  Maintenance: grpc.ServiceClientConstructor;
  Auth: grpc.ServiceClientConstructor;
}

let cached: EtcdServices | undefined;

/** The etcdserverpb services (loaded once per process; loading parses the files). */
export function etcdServices(): EtcdServices {
  if (cached !== undefined) return cached;
  const def = protoLoader.loadSync('rpc.proto', LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def)['etcdserverpb'] as unknown as EtcdServices;
  cached = pkg;
  return pkg;
}

/** etcd's --max-request-bytes default: 1.5 MiB. */
export const DEFAULT_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
/** etcd lets gRPC receive this much more than max-request-bytes, so its own check answers first. */
export const GRPC_OVERHEAD_BYTES = 512 * 1024;
