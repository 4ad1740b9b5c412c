/**
 * One store member: a Raft node (RaftNodeDriver over DiskStorage) whose committed entries drive
 * the MVCC state machine, seen by the gRPC services as an EtcdBackend.
 *
 * Invariants:
 *  - Every write is a log entry; a caller is answered only after its entry was applied on this
 *    member, with exactly what the state machine returned (or threw) for it.
 *  - Linearizable reads wait for a ReadIndex confirmed by a quorum and for the apply loop to reach
 *    it (thesis §6.4); serializable reads are served from the local applied state at once.
 *  - The transport is injected: the same server runs over a peer transport between processes or
 *    over the in-memory network in tests.
 *  - Lease expiry is decided by the leader alone and replicated as a LeaseRevoke proposal;
 *    keepalives are leader-local, as in etcd.
 */
import path from 'node:path';
import { EtcdError, ErrLeaseNotFound, ErrNoLeader, ErrNotLeader, ErrRequestTooLarge } from '../mvcc';
import type { InternalRequest, InternalResponse, RangeRequest, RangeResponse, ResponseHeader } from '../mvcc';
import { createLogger, silentLogger } from '@kubemu/base';
import type { Clock, Logger, Rng, Timer } from '@kubemu/base';
import { DiskStorage, LeaderChangedError, NodeStoppedError, ProposalDroppedError, RaftNodeDriver, ReadIndexTimeoutError } from '@kubemu/raft';
import type { Entry, Snapshot, Transport } from '@kubemu/raft';
import type { EtcdBackend, WatchHandle, WatchSink } from '../grpc/backend';
import type { PeerChannel } from '../peer/peer-transport';
import { serverErrors } from '../grpc/errors';
import type * as T from '../grpc/etcd-types';
import { DEFAULT_MAX_REQUEST_BYTES } from '../grpc/proto';
import { clusterId as computeClusterId } from './cluster-config';
import type { MemberConfig } from './cluster-config';
import { decodeEntry, encodeEntry, requestSize } from './entry-codec';
import { LEASE_KEEPALIVE, LEASE_TIME_TO_LIVE, MEMBER_ADD, MEMBER_PROMOTE, MEMBER_REMOVE, MEMBER_REMOVED, forwardToLeader } from './leader-forwarding';
import { Membership } from './membership';
import { MemberAttributesRecord } from './member-attributes';
import { LinearizableReads } from './linearizable-reads';
import { Proposals } from './proposals';
import { SnapshotPolicy } from './snapshot-policy';
import type { WatchableStateMachine } from './state-machine';

/** The etcd version kvstore answers to Status: clients gate 3.4 features on it. */
export const ETCD_COMPAT_VERSION = '3.4.0';

export interface EtcdServerOptions {
  name: string;
  dataDir: string;
  /** The founding members (--initial-cluster); this member is the one named `name`. */
  members: MemberConfig[];
  advertiseClientURLs: string[];
  transport: Transport;
  /**
   * The peer transport's side channel, when members talk over the network: unreachable reports
   * for Raft, peers' client URLs, and calls forwarded to the leader (lease keepalive, TTL).
   */
  peers?: PeerChannel;
  stateMachine: WatchableStateMachine;
  clock: Clock;
  rng: Rng;
  /** --heartbeat-interval (ms): one Raft tick. */
  heartbeatMs?: number;
  /** --election-timeout (ms); a multiple of the heartbeat. */
  electionMs?: number;
  maxRequestBytes?: number;
  /** Applied entries between state-machine snapshots (etcd's --snapshot-count; 100,000 by default as in etcd 3.4). The log-bytes bound below still caps memory. */
  snapshotCount?: number;
  /** Entries kept in the log behind a snapshot for slow followers (etcd's snapshot-catchup-entries, 5000). */
  snapshotCatchUpEntries?: number;
  /**
   * Applied entry bytes that also trigger a snapshot (default 64 MiB), whichever of this and
   * snapshotCount comes first: the log since the last snapshot is held in memory.
   */
  snapshotLogBytes?: number;
  /** Bytes of entries kept behind a snapshot at most (default 64 MiB), as well as snapshotCatchUpEntries. */
  snapshotCatchUpBytes?: number;
  logger?: Logger;
  /** --initial-cluster-token: member ids of added members are derived from it as founding ones are. */
  clusterToken?: string;
  /** The recorded cluster id (it outlives membership changes); 0 while a joining member has not learned it. */
  clusterId?: number;
  /** A member joining a running cluster (member add): it starts empty and never bootstraps. */
  join?: boolean;
  /** Persists membership (cluster.json) after a change or once a joining member learned the cluster id. */
  recordMembership?: (clusterId: number, members: MemberConfig[]) => void;
  /** Called once this member applied its own removal: it must stop serving. */
  onRemoved?: () => void;
}

export class EtcdServer implements EtcdBackend {
  readonly memberId: number;
  clusterId: number;
  private readonly membership: Membership;
  private readonly driver: RaftNodeDriver;
  private readonly proposals: Proposals;
  private readonly logger: Logger;
  private readonly sm: WatchableStateMachine;
  private readonly leaseSeq: { prefix: number; suffix: number };
  private readonly revoking = new Set<number>();
  private readonly requestTimeoutMs: number;
  private leaseTimer: Timer | undefined;
  private readonly reads: LinearizableReads;
  private snapshotting = false;
  private readonly snapshots: SnapshotPolicy;
  /** State-machine snapshots restored from Raft (a follower catching up past the compacted log). */
  snapshotsRestored = 0;
  /** Snapshots received from the leader and installed (etcd_network_snapshot_receive_total). */
  snapshotsReceived = 0;
  /** Snapshots this member wrote to a peer in full (etcd_network_snapshot_send_success_total). */
  snapshotsSent = 0;
  /** The driver hands the stored snapshot to apply once at start; only later ones came from a leader. */
  private driverStarted = false;

  private constructor(
    private readonly opts: EtcdServerOptions,
    private readonly storage: DiskStorage,
    /** Client URLs and names peers told us in their hello (etcd publishes them through the log). */
    private readonly peerAttributes: MemberAttributesRecord,
  ) {
    const self = opts.members.find((m) => m.name === opts.name);
    if (self === undefined) throw new Error(`member ${opts.name} is not in --initial-cluster`);
    this.memberId = self.id;
    this.clusterId = opts.clusterId ?? computeClusterId(opts.members.map((m) => m.id));
    this.sm = opts.stateMachine;
    this.logger = opts.logger ?? silentLogger('etcd-server');
    // A per-boot nonce in every proposal id: entries re-applied after a restart carry ids of the
    // previous incarnation, which must never settle a new caller's request.
    const boot = `${opts.clock.wallNow().toString(36)}${opts.rng.int(2 ** 30).toString(36)}`;
    this.proposals = new Proposals(`${this.memberId.toString(16)}.${boot}`, opts.clock);
    this.snapshots = new SnapshotPolicy({
      snapshotCount: opts.snapshotCount ?? 100_000,
      snapshotLogBytes: opts.snapshotLogBytes ?? 64 * 1024 * 1024,
      catchUpEntries: opts.snapshotCatchUpEntries ?? 5000,
      catchUpBytes: opts.snapshotCatchUpBytes ?? 64 * 1024 * 1024,
    });
    const tickMs = opts.heartbeatMs ?? 100;
    const electionTick = Math.max(2, Math.round((opts.electionMs ?? 1000) / tickMs));
    this.requestTimeoutMs = 5000 + 2 * electionTick * tickMs;
    this.leaseSeq = { prefix: (this.memberId & 0xff) * 2 ** 44, suffix: Math.floor(opts.clock.now() % 2 ** 40) * 16 };
    this.driver = new RaftNodeDriver({
      raft: { id: self.id, electionTick, heartbeatTick: 1, storage, rng: opts.rng, checkQuorum: true, preVote: true },
      persister: storage,
      transport: opts.transport,
      clock: opts.clock,
      tickMs,
      ...(opts.join === true ? {} : { bootstrapPeers: opts.members.map((m) => m.id) }),
      apply: (entries, snap) => this.apply(entries, snap),
      logger: this.logger,
    });
    this.reads = new LinearizableReads(this.memberId, this.driver, mapRaftError);
    this.driver.onLeaderChange((lead) => {
      if (lead === this.memberId) this.sm.promote(this.opts.clock.now(), electionTick * tickMs);
      else this.sm.demote();
    });
    this.driver.onApply(() => this.maybeSnapshot());
    this.membership = new Membership({
      selfId: this.memberId, token: opts.clusterToken ?? 'etcd-cluster', members: opts.members, driver: this.driver, peers: opts.peers,
      clock: opts.clock, logger: this.logger, timeoutMs: this.requestTimeoutMs,
      header: () => this.header(), attributes: (id) => this.peerAttributes.get(id), selfClientURLs: opts.advertiseClientURLs,
      record: (members) => opts.recordMembership?.(this.clusterId, members),
      onRemoved: () => {
        this.logger.error('kvstore: the member has been permanently removed from the cluster');
        // Not from inside the apply step: stopping waits for the loop that is calling us.
        setImmediate(() => opts.onRemoved?.());
      },
    });
    this.wirePeers(opts.peers);
  }

  private wirePeers(peers: PeerChannel | undefined): void {
    if (peers === undefined) return;
    // Raft retries by probing an unreachable peer instead of streaming appends into the void.
    peers.onUnreachable((id) => this.driver.raw.reportUnreachable(id));
    // The driver already reported 'finish' when the snapshot left; a failed write undoes that
    // only if the peer is still waiting for the snapshot (the core ignores it otherwise).
    peers.onSnapshotStatus((id, status) => {
      if (status === 'finish') this.snapshotsSent++;
      if (status === 'failure') this.driver.raw.reportSnapshot(id, 'failure');
    });
    peers.onPeerHello((h) => {
      this.peerAttributes.set(h.from, { name: h.name, clientURLs: h.clientURLs });
      if (this.clusterId === 0 && h.clusterId !== 0) {
        // A joining member learns the cluster id from the first member that dials it.
        this.clusterId = h.clusterId;
        this.opts.recordMembership?.(this.clusterId, [...this.membership.known.values()]);
      }
    });
    peers.onRequest(async (from, method, body) => {
      const b = body as { ID?: number; keys?: boolean };
      if (method === MEMBER_REMOVED) return this.membership.removedBy(from);
      // Served here only as the leader: a forwarded call is never forwarded again (no loops).
      if (!this.isLeader()) throw new ErrNotLeader();
      if (method === LEASE_KEEPALIVE) return this.leaseKeepAlive(b.ID ?? 0);
      if (method === LEASE_TIME_TO_LIVE) return this.leaseTimeToLive({ ID: b.ID ?? 0, keys: b.keys === true });
      if (method === MEMBER_ADD) return this.memberAdd(body as T.MemberAddRequest);
      if (method === MEMBER_REMOVE) return this.memberRemove({ ID: b.ID ?? 0 });
      if (method === MEMBER_PROMOTE) return this.memberPromote({ ID: b.ID ?? 0 });
      throw new Error(`unknown forwarded method ${method}`);
    });
  }

  /** The leader's id when it is another member this one can call, else undefined (serve locally). */
  private remoteLeader(): number | undefined {
    const lead = this.driver.basicStatus().softState.lead;
    if (this.opts.peers === undefined || lead === 0 || lead === this.memberId) return undefined;
    return lead;
  }

  /** Opens the member's WAL and snapshots under dataDir/member and starts the Raft node. */
  static async start(opts: EtcdServerOptions): Promise<EtcdServer> {
    const logger = opts.logger ?? createLogger({ component: 'kvstore' });
    const storage = await DiskStorage.open(path.join(opts.dataDir, 'member'), { logger });
    const server = new EtcdServer({ ...opts, logger }, storage, await MemberAttributesRecord.load(opts.dataDir, logger));
    await server.driver.start();
    server.driverStarted = true;
    const voters = server.driver.status().confState.voters;
    // A lone member need not wait an election timeout to lead itself. Raft ignores a campaign
    // while committed configuration changes are unapplied (the bootstrap entries at first), so
    // wait for the committed log to be applied first.
    if (voters.length === 1 && voters[0] === server.memberId) {
      const commit = server.driver.status().hardState.commit;
      await server.driver.waitApplied(commit);
      // The core learns what was applied in advance(), once the Ready is also durable: a few turns later.
      while (server.driver.basicStatus().applied < commit && server.driver.error() === undefined) await new Promise((resolve) => setImmediate(resolve));
      server.driver.campaign();
    }
    server.leaseTimer = opts.clock.setInterval(() => server.revokeExpiredLeases(), 500);
    return server;
  }

  async stop(): Promise<void> {
    this.leaseTimer?.cancel();
    this.sm.close();
    await this.driver.stop();
    this.proposals.rejectAll(serverErrors.stopped);
    this.membership.rejectAll();
    await this.opts.transport.close();
    await this.storage.close();
    await this.peerAttributes.flush();
  }

  /** Resolves once this member knows a leader (tests and readiness). */
  async waitLeader(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.driver.basicStatus().softState.lead === 0) {
      if (Date.now() > deadline) throw new ErrNoLeader();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  isLeader(): boolean {
    return this.driver.basicStatus().softState.raftState === 'Leader';
  }

  /** Calls `fn` (instead of any earlier one) with the duration in seconds of every WAL sync, as etcd_disk_wal_fsync_duration_seconds observes them. */
  onWalSync(fn: (seconds: number) => void): void {
    this.storage.onWalSync(fn);
  }

  header(revision = this.sm.currentRev): ResponseHeader {
    return { clusterId: this.clusterId, memberId: this.memberId, revision, raftTerm: this.driver.basicStatus().hardState.term };
  }

  // ---- KV ----

  async range(req: RangeRequest): Promise<RangeResponse> {
    if (req.serializable !== true) await this.linearizableBarrier();
    return this.withHeader(this.sm.range(req));
  }

  async put(req: T.PutRequest): Promise<T.PutResponse> {
    return this.withHeader(required((await this.propose({ put: req })).put));
  }

  async deleteRange(req: T.DeleteRangeRequest): Promise<T.DeleteRangeResponse> {
    return this.withHeader(required((await this.propose({ deleteRange: req })).deleteRange));
  }

  async txn(req: T.TxnRequest): Promise<T.TxnResponse> {
    return this.withHeader(required((await this.propose({ txn: req })).txn));
  }

  async compact(req: T.CompactionRequest): Promise<T.CompactionResponse> {
    return this.withHeader(required((await this.propose({ compaction: req })).compaction));
  }

  // ---- Lease ----

  async leaseGrant(req: T.LeaseGrantRequest): Promise<T.LeaseGrantResponse> {
    const ID = req.ID !== undefined && req.ID !== 0 ? req.ID : this.nextLeaseId();
    return this.withHeader(required((await this.propose({ leaseGrant: { ...req, ID } })).leaseGrant));
  }

  async leaseRevoke(req: T.LeaseRevokeRequest): Promise<T.LeaseRevokeResponse> {
    return this.withHeader(required((await this.propose({ leaseRevoke: req })).leaseRevoke));
  }

  leaseKeepAlive(id: number): Promise<T.LeaseKeepAliveResponse> {
    const lead = this.remoteLeader();
    if (lead !== undefined && this.opts.peers !== undefined) {
      return forwardToLeader<T.LeaseKeepAliveResponse>(this.opts.peers, lead, LEASE_KEEPALIVE, { ID: id }, this.requestTimeoutMs)
        .then((r) => ({ ...r, header: this.header() }));
    }
    if (!this.isLeader()) return Promise.reject(this.driver.basicStatus().softState.lead === 0 ? new ErrNoLeader() : new ErrNotLeader());
    let TTL: number;
    try {
      TTL = this.sm.leaseKeepAlive(id, this.opts.clock.now());
    } catch (err) {
      if (!(err instanceof ErrLeaseNotFound)) return Promise.reject(err);
      TTL = 0; // etcd answers an unknown lease with TTL 0 rather than an error
    }
    return Promise.resolve({ header: this.header(), ID: id, TTL });
  }

  async leaseTimeToLive(req: T.LeaseTimeToLiveRequest): Promise<T.LeaseTimeToLiveResponse> {
    // Remaining TTLs are leader-local (followers do not track expiry): ask the leader, as etcd does.
    const lead = this.remoteLeader();
    if (lead !== undefined && this.opts.peers !== undefined) {
      const r = await forwardToLeader<T.LeaseTimeToLiveResponse>(this.opts.peers, lead, LEASE_TIME_TO_LIVE, req, this.requestTimeoutMs);
      return { ...r, header: this.header() };
    }
    await this.linearizableBarrier();
    const ID = req.ID ?? 0;
    try {
      return this.withHeader(this.sm.leaseTimeToLive(ID, this.opts.clock.now(), req.keys === true));
    } catch (err) {
      // etcd answers an unknown lease with TTL -1, not an error.
      if (!(err instanceof ErrLeaseNotFound)) throw err;
      return { header: this.header(), ID, TTL: -1, grantedTTL: 0, keys: [] };
    }
  }

  async leaseLeases(): Promise<T.LeaseLeasesResponse> {
    await this.linearizableBarrier();
    return this.withHeader(this.sm.leaseLeases());
  }

  // ---- Watch, Cluster, Maintenance ----

  watch(req: T.WatchCreateRequest, sink: WatchSink): WatchHandle {
    return this.sm.watch(req, sink);
  }

  memberList(): Promise<T.MemberListResponse> {
    return Promise.resolve(this.membership.list());
  }

  memberAdd(req: T.MemberAddRequest): Promise<T.MemberAddResponse> {
    return this.membership.addRpc(req);
  }

  memberRemove(req: { ID?: number }): Promise<T.MemberListResponse> {
    return this.membership.changeRpc(MEMBER_REMOVE, req.ID ?? 0);
  }

  memberPromote(req: { ID?: number }): Promise<T.MemberListResponse> {
    return this.membership.changeRpc(MEMBER_PROMOTE, req.ID ?? 0);
  }

  status(): Promise<T.StatusResponse> {
    const st = this.driver.status();
    const size = this.sm.sizeBytes();
    return Promise.resolve({
      header: this.header(), version: ETCD_COMPAT_VERSION, dbSize: size, dbSizeInUse: size,
      leader: st.softState.lead, raftIndex: st.hardState.commit, raftTerm: st.hardState.term,
      raftAppliedIndex: this.driver.appliedIndex(), errors: [], isLearner: st.confState.learners.includes(this.memberId),
    });
  }

  // ---- internals ----

  private withHeader<R extends { header: ResponseHeader }>(r: R): R {
    return { ...r, header: this.header(r.header.revision) };
  }

  private async propose(req: InternalRequest): Promise<InternalResponse> {
    if (requestSize(req) > (this.opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES)) throw new ErrRequestTooLarge();
    const id = this.proposals.nextId();
    const done = this.proposals.wait(id, this.requestTimeoutMs, serverErrors.timeout);
    try {
      await this.driver.propose(encodeEntry({ id, req }));
    } catch (err) {
      this.proposals.reject(id, mapRaftError(err));
    }
    return done;
  }

  private linearizableBarrier(): Promise<void> {
    return this.reads.wait();
  }

  /** The driver's apply step: a snapshot replaces the state, then entries apply in log order. */
  private apply(entries: Entry[], snap: Snapshot | undefined): void {
    if (snap !== undefined) {
      this.sm.restore(snap.data);
      this.snapshotsRestored++;
      if (this.driverStarted) {
        this.snapshotsReceived++;
        // Catch-up by snapshot is rare and worth seeing: the log behind the leader's was compacted.
        this.logger.info('kvstore: installed a snapshot received from the leader', { index: snap.metadata.index, term: snap.metadata.term });
      }
      // The log before the snapshot is gone (a received one replaces it).
      this.snapshots.restored(snap.metadata.index);
    }
    for (const e of entries) {
      this.snapshots.applied(e.index, e.data.length);
      if (e.type !== 'Normal' || e.data.length === 0) continue;
      const { id, req } = decodeEntry(e.data);
      let res: InternalResponse;
      try {
        // Lease deadlines come from this member's clock: clocks of different processes share no origin.
        res = this.sm.apply(req, { now: this.opts.clock.now() });
      } catch (err) {
        // An expected failure changed nothing (the state machine's contract); anything else is fatal.
        if (!(err instanceof EtcdError)) throw err;
        this.proposals.reject(id, err);
        continue;
      }
      if (req.leaseRevoke?.ID !== undefined) this.revoking.delete(req.leaseRevoke.ID);
      this.proposals.resolve(id, res);
    }
  }

  private maybeSnapshot(): void {
    const applied = this.driver.appliedIndex();
    if (this.snapshotting || !this.snapshots.due(applied)) return;
    this.snapshotting = true;
    const bytesAtApplied = this.snapshots.bytesApplied();
    let data: Uint8Array | undefined = this.sm.snapshot();
    const cs = this.driver.status().confState;
    const compactTo = this.snapshots.compactIndex(applied);
    void this.storage
      .createSnapshot(applied, cs, data)
      .then(() => {
        data = undefined; // on disk now; DiskStorage reads it back when a follower needs it
        this.snapshots.snapshotTaken(applied, bytesAtApplied);
        if (!this.snapshots.needsCompaction(compactTo)) return undefined;
        return this.storage.compact(compactTo).then(() => this.snapshots.compacted(compactTo));
      })
      .catch((err: unknown) => this.logger.error('kvstore: snapshot failed', { error: String(err) }))
      .finally(() => {
        this.snapshotting = false;
      });
  }

  private revokeExpiredLeases(): void {
    if (!this.isLeader()) return;
    for (const ID of this.sm.expiredLeases(this.opts.clock.now())) {
      if (this.revoking.has(ID)) continue;
      this.revoking.add(ID);
      this.propose({ leaseRevoke: { ID } }).catch(() => this.revoking.delete(ID));
    }
  }

  /** etcd-style lease ids: this member's low byte on top of a time-seeded counter, below 2^53. */
  private nextLeaseId(): number {
    this.leaseSeq.suffix = (this.leaseSeq.suffix + 1) % 2 ** 44;
    return this.leaseSeq.prefix + this.leaseSeq.suffix;
  }
}

function required<V>(v: V | undefined): V {
  if (v === undefined) throw new Error('kvstore: the state machine returned no response for the request');
  return v;
}

function mapRaftError(err: unknown): unknown {
  if (err instanceof ProposalDroppedError) return new ErrNoLeader();
  if (err instanceof ReadIndexTimeoutError) return serverErrors.timeout();
  if (err instanceof LeaderChangedError) return serverErrors.leaderChanged();
  if (err instanceof NodeStoppedError) return serverErrors.stopped();
  return err;
}
