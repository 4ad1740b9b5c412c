/**
 * The project's own etcd v3 client (for the apiserver): typed calls over the same .proto the
 * server serves, with endpoint failover.
 *
 * Failover rule (as clientv3's): a call that fails with UNAVAILABLE moves the client to the next
 * endpoint. Reads are then retried there; a write is retried only when grpc-js had no connection
 * to send it on (clientv3's isSafeRetryMutableRPC: the request never left this process). A write
 * whose connection dropped while it was in flight, or that got an "etcdserver:" answer, may have
 * been applied: retrying it elsewhere could apply it twice (or turn a create that succeeded into
 * "already exists"), so its UNAVAILABLE goes to the caller. A watch that loses its endpoint
 * resumes on the next one from the revision after the last event it delivered, so no event is
 * lost or repeated.
 */
import * as grpc from '@grpc/grpc-js';
import type * as T from '../grpc/etcd-types';
import { DEFAULT_MAX_REQUEST_BYTES, GRPC_OVERHEAD_BYTES, etcdServices } from '../grpc/proto';
import type { EtcdServices } from '../grpc/proto';

export interface EtcdClientOptions {
  /** "host:port" or "http://host:port". */
  endpoints: string[];
  /** Per-call deadline (default 10 s). */
  requestTimeoutMs?: number;
}

type ServiceName = keyof EtcdServices;
type Unary = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

export interface EtcdWatch {
  cancel(): void;
}

export interface WatchCallbacks {
  /** Events of whole revisions, in order; `revision` is the response header's. */
  onEvents(events: T.Event[], revision: number): void;
  /** The watch ended for good (compacted start revision, or canceled by the server). */
  onCanceled?(reason: string, compactRevision: number): void;
}

export class EtcdClient {
  private readonly endpoints: string[];
  private current = 0;
  private readonly clients = new Map<string, grpc.Client>();
  private readonly svc = etcdServices();
  private closed = false;

  constructor(private readonly opts: EtcdClientOptions) {
    if (opts.endpoints.length === 0) throw new Error('EtcdClient: no endpoints');
    this.endpoints = opts.endpoints.map((e) => e.replace(/^https?:\/\//, ''));
  }

  range(req: T.RangeRequest): Promise<T.RangeResponse> {
    return this.unary('KV', 'Range', req, true);
  }

  put(req: T.PutRequest): Promise<T.PutResponse> {
    return this.unary('KV', 'Put', req, false);
  }

  deleteRange(req: T.DeleteRangeRequest): Promise<T.DeleteRangeResponse> {
    return this.unary('KV', 'DeleteRange', req, false);
  }

  txn(req: T.TxnRequest): Promise<T.TxnResponse> {
    return this.unary('KV', 'Txn', req, false);
  }

  compact(revision: number): Promise<T.CompactionResponse> {
    return this.unary('KV', 'Compact', { revision }, false);
  }

  leaseGrant(TTL: number, ID = 0): Promise<T.LeaseGrantResponse> {
    return this.unary('Lease', 'LeaseGrant', { TTL, ID }, false);
  }

  leaseRevoke(ID: number): Promise<T.LeaseRevokeResponse> {
    return this.unary('Lease', 'LeaseRevoke', { ID }, false);
  }

  leaseTimeToLive(ID: number, keys = false): Promise<T.LeaseTimeToLiveResponse> {
    return this.unary('Lease', 'LeaseTimeToLive', { ID, keys }, true);
  }

  /** One keepalive round trip on a short-lived stream; resolves with the new TTL (<= 0: lease gone). */
  leaseKeepAliveOnce(ID: number): Promise<T.LeaseKeepAliveResponse> {
    return new Promise((resolve, reject) => {
      const stream = this.client('Lease').makeBidiStreamRequest(
        '/etcdserverpb.Lease/LeaseKeepAlive', serialize('Lease', 'LeaseKeepAlive', 'request'),
        deserialize('Lease', 'LeaseKeepAlive'), new grpc.Metadata(), { deadline: this.deadline() },
      );
      stream.on('data', (res: T.LeaseKeepAliveResponse) => {
        resolve(res);
        stream.cancel();
      });
      stream.on('error', (err: grpc.ServiceError) => {
        if (err.code !== grpc.status.CANCELLED) this.failover(err);
        reject(err);
      });
      stream.write({ ID });
    });
  }

  memberList(): Promise<T.MemberListResponse> {
    return this.unary('Cluster', 'MemberList', {}, true);
  }

  status(): Promise<T.StatusResponse> {
    return this.unary('Maintenance', 'Status', {}, true);
  }

  /** Watches [key, rangeEnd) from req.startRevision; resumes on another endpoint after a failure. */
  watch(req: T.WatchCreateRequest, cb: WatchCallbacks): EtcdWatch {
    let next = req.startRevision ?? 0;
    let stream: grpc.ClientDuplexStream<T.WatchRequest, T.WatchResponse> | undefined;
    let canceled = false;
    const open = (): void => {
      if (canceled || this.closed) return;
      const s = this.client('Watch').makeBidiStreamRequest(
        '/etcdserverpb.Watch/Watch', serialize('Watch', 'Watch', 'request'), deserialize('Watch', 'Watch'),
        new grpc.Metadata(), {},
      ) as grpc.ClientDuplexStream<T.WatchRequest, T.WatchResponse>;
      stream = s;
      s.on('data', (res: T.WatchResponse) => {
        if (res.canceled) {
          canceled = true;
          s.cancel();
          cb.onCanceled?.(res.cancelReason, res.compactRevision);
          return;
        }
        const last = res.events[res.events.length - 1];
        if (last !== undefined) {
          next = last.kv.modRevision + 1;
          cb.onEvents(res.events, res.header.revision);
        }
      });
      s.on('error', (err: grpc.ServiceError) => {
        if (canceled || err.code === grpc.status.CANCELLED) return;
        this.failover(err);
        setTimeout(open, 100);
      });
      s.write({ createRequest: { ...req, startRevision: next } });
    };
    open();
    return {
      cancel: () => {
        canceled = true;
        stream?.cancel();
      },
    };
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private async unary<Res>(service: ServiceName, method: string, req: unknown, idempotent: boolean): Promise<Res> {
    let lastErr: unknown;
    for (let attempt = 0; attempt < this.endpoints.length; attempt++) {
      try {
        return await this.callOnce<Res>(service, method, req);
      } catch (err) {
        lastErr = err;
        const se = err as grpc.ServiceError;
        if (se.code !== grpc.status.UNAVAILABLE) throw err;
        this.failover(se);
        if (!idempotent && !neverSent(se)) throw err;
      }
    }
    throw lastErr;
  }

  private callOnce<Res>(service: ServiceName, method: string, req: unknown): Promise<Res> {
    const c = this.client(service) as unknown as Record<string, Unary>;
    const fn = c[method];
    if (fn === undefined) return Promise.reject(new Error(`no method ${service}.${method}`));
    return new Promise((resolve, reject) => {
      fn.call(c, req, new grpc.Metadata(), { deadline: this.deadline() }, (err, res) => (err ? reject(err) : resolve(res as Res)));
    });
  }

  private deadline(): Date {
    return new Date(Date.now() + (this.opts.requestTimeoutMs ?? 10_000));
  }

  private failover(err: grpc.ServiceError): void {
    if (err.code === grpc.status.UNAVAILABLE && this.endpoints.length > 1) this.current = (this.current + 1) % this.endpoints.length;
  }

  private client(service: ServiceName): grpc.Client {
    const endpoint = this.endpoints[this.current]!;
    const key = `${service}@${endpoint}`;
    let c = this.clients.get(key);
    if (c === undefined) {
      c = new this.svc[service](endpoint, grpc.credentials.createInsecure(), {
        'grpc.max_send_message_length': DEFAULT_MAX_REQUEST_BYTES + GRPC_OVERHEAD_BYTES,
        'grpc.max_receive_message_length': -1,
        // A 16 MiB HTTP/2 receive window: with the default 64 KiB, a busy watch stream (the
        // apiserver's watch cache) backs up behind flow control and events arrive seconds late.
        'grpc-node.flow_control_window': 16 << 20,
      });
      this.clients.set(key, c);
    }
    return c;
  }
}

function methodDef(service: ServiceName, method: string): grpc.MethodDefinition<unknown, unknown> {
  const def = etcdServices()[service].service[method];
  if (def === undefined) throw new Error(`no method ${service}.${method}`);
  return def;
}

function serialize(service: ServiceName, method: string, _dir: 'request'): (v: unknown) => Buffer {
  return methodDef(service, method).requestSerialize;
}

function deserialize<Res>(service: ServiceName, method: string): (b: Buffer) => Res {
  return methodDef(service, method).responseDeserialize as (b: Buffer) => Res;
}

/** grpc-js fails a call with this when it had no connection to send it on (pick-first's picker). */
function neverSent(err: grpc.ServiceError): boolean {
  return err.details.startsWith('No connection established');
}
