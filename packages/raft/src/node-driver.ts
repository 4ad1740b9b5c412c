import { KubemuError, asError, deferred, silentLogger } from '@kubemu/base';
import type { Clock, Deferred, Logger, Timer } from '@kubemu/base';
import type { ReadyPersister } from './disk-storage';
import { RawNode } from './raw-node';
import { coalesceMessages } from './coalesce';
import { ReadyOrder } from './ready-order';
import type { BasicStatus, RaftConfig, Status } from './raw-node';
import type { Transport } from './transport';
import type { ConfChange, ConfState, Entry, Message, NodeId, Ready, ReadState, Snapshot } from './types';
import { decodeConfChange, isEmptyHardState, isEmptySnapshot } from './types';

/** The driver is not running (never started, stopped, or failed): it accepts no more work. */
export class NodeStoppedError extends KubemuError {
  constructor(reason: string, cause?: unknown) {
    super('RaftNodeStopped', `raft node is not running: ${reason}`, cause === undefined ? undefined : { cause });
  }
}

/** No answer to a ReadIndex request in time (no leader, or the leader could not confirm its lease). */
export class ReadIndexTimeoutError extends KubemuError {
  constructor(timeoutMs: number) {
    super('RaftReadIndexTimeout', `no read index within ${timeoutMs} ms`);
  }
}

/**
 * A new leader was elected while a ReadIndex request was pending: it may have been dropped (no
 * leader to send it to) or lost with the old leader. Retryable; etcd's ErrLeaderChanged.
 */
export class LeaderChangedError extends KubemuError {
  constructor(lead: NodeId) {
    super('RaftLeaderChanged', `leader changed to ${lead.toString(16)} while a read index was pending`);
  }
}

/** The application's state machine: committed entries in log order, preceded by a snapshot to restore from. */
export type ApplyFn = (entries: Entry[], snapshot: Snapshot | undefined) => void | Promise<void>;

export interface RaftNodeDriverOptions {
  /** The core's configuration; `raft.storage` must be the storage that `persister` makes durable. */
  raft: RaftConfig;
  persister: ReadyPersister;
  transport: Transport;
  clock: Clock;
  /** Milliseconds per Raft tick (default 100). */
  tickMs?: number;
  /** Founding members of a new cluster; ignored when the storage already holds state. */
  bootstrapPeers?: NodeId[];
  apply: ApplyFn;
  /** How long readIndex() waits for its answer (default 3 election timeouts). */
  readIndexTimeoutMs?: number;
  logger?: Logger;
}

type State = 'new' | 'running' | 'stopped' | 'failed';

/** The core's default for RaftConfig.maxSizePerMsg (config.ts), which also bounds a proposal batch. */
const DEFAULT_MAX_SIZE_PER_MSG = 1024 * 1024;

/**
 * Readys handed out at once while earlier ones are still being persisted. The storage writes
 * the queued ones together, so this bounds memory when the disk stalls, not the fsync rate.
 */
const MAX_READYS_IN_FLIGHT = 32;

/**
 * Runs a RawNode: ticks it on a clock, steps what the transport delivers, and handles its Readys.
 *
 * Invariants:
 *  - Readys are taken as soon as the core has them, without waiting for earlier ones to be
 *    durable (up to MAX_READYS_IN_FLIGHT), and each is handled in this order: the leader's
 *    replication messages of its term leave at once (ReadyOrder); the persist is queued behind
 *    the earlier Readys' (the storage writes in call order, and writes queued together share an
 *    fsync); committed entries are applied at once, after the earlier Readys' (they are durable
 *    on a quorum, and etcd too applies them in parallel with its own WAL write; a snapshot waits
 *    for its own persist); THEN, once persisted and applied and in Ready order, every other
 *    message leaves and advance() runs. A vote or an acknowledgement never precedes the state
 *    it vouches for: a peer never hears of state a crash could take back. A leader's MsgApp
 *    vouches for nothing durable on the leader (its own copy counts toward commitment only
 *    after advance), so it goes out while the leader's write is in flight (thesis §10.2.1).
 *  - advance(rd) is called only after rd was persisted: it tells the core rd.entries are durable.
 *  - Nothing is re-entrant: ticks, messages and proposals that arrive while the loop runs only
 *    change the core, and the loop picks their output up before it stops; one that arrives
 *    later schedules it. Proposals are stepped in batches, just before a Ready is taken.
 *  - Any failure to persist or apply is fatal (crash-only): the driver stops and reports it,
 *    and the process is expected to restart and replay from disk.
 */
export class RaftNodeDriver {
  readonly raw: RawNode;
  private readonly order: ReadyOrder;
  private state: State = 'new';
  private failure: Error | undefined;
  private ticker: Timer | undefined;
  private loopRunning = false;
  private loopScheduled = false;
  /** Readys handed out and not finished yet (see handle). */
  private inflight = 0;
  /** The applies of the Readys in flight, chained in Ready order. */
  private applying: Promise<void> = Promise.resolve();
  /** The finishing steps of the Readys in flight, chained in Ready order. */
  private finishing: Promise<void> = Promise.resolve();
  /** Messages of finished Readys, sent together (see sendAfterPersist). */
  private outbox: Message[] = [];
  private applied: number;
  private lead: NodeId = 0;
  private readonly reads = new Map<string, Array<Deferred<number>>>();
  private appliedWaiters: Array<{ index: number; done: Deferred<void> }> = [];
  /** Proposals not yet stepped: the loop steps them as one batch per Ready (see propose). */
  private proposals: Array<{ data: Uint8Array; done: Deferred<void> }> = [];
  private readonly leaderHandlers: Array<(lead: NodeId, term: number) => void> = [];
  private readonly applyHandlers: Array<(entries: Entry[], snapshot: Snapshot | undefined) => void> = [];
  private readonly confChangeHandlers: Array<(cc: ConfChange, cs: ConfState) => void> = [];
  private readonly errorHandlers: Array<(err: Error) => void> = [];
  private readonly tickMs: number;
  private readonly logger: Logger;

  constructor(private readonly opts: RaftNodeDriverOptions) {
    this.raw = new RawNode(opts.raft);
    const st = this.raw.status();
    this.order = new ReadyOrder(st.id, st.softState.raftState, st.hardState.term);
    this.tickMs = opts.tickMs ?? 100;
    this.logger = opts.logger ?? silentLogger('raft-node');
    this.applied = Math.max(opts.raft.applied ?? 0, 0);
    opts.transport.onMessage((m) => this.receive(m));
  }

  /**
   * Starts ticking and handling Readys. A new cluster member (empty storage, bootstrapPeers given)
   * bootstraps first. On a restart the stored snapshot is handed to `apply` before anything else
   * unless `raft.applied` says the application already holds that state.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new NodeStoppedError(`start() called in state ${this.state}`);
    const storage = this.opts.raft.storage;
    const peers = this.opts.bootstrapPeers;
    if (peers !== undefined && storage.lastIndex() === 0 && isEmptyHardState(storage.initialState().hardState)) {
      this.raw.bootstrap(peers);
    }
    const snap = storage.snapshot();
    if (!isEmptySnapshot(snap) && this.applied < snap.metadata.index) {
      await this.opts.apply([], snap);
      this.applied = snap.metadata.index;
    }
    this.state = 'running';
    this.ticker = this.opts.clock.setInterval(() => this.tick(), this.tickMs);
    this.schedule();
  }

  /**
   * Stops ticking and handling; waits for the Readys in flight to be persisted. Idempotent.
   * Do not await it from inside `apply` (it waits for the applies in flight, that one included).
   * It closes neither the transport nor the storage: whoever opened them closes them.
   */
  async stop(): Promise<void> {
    if (this.state === 'new' || this.state === 'running') this.state = 'stopped';
    this.ticker?.cancel();
    await this.finishing;
    this.rejectWaiters(new NodeStoppedError('stopped'));
  }

  /**
   * Resolves once the core accepted the proposal (not once it commits: watch apply for that).
   * Proposals made in the same turn (or while a Ready is being handled) are stepped together as
   * one MsgProp just before the next Ready is taken: one append and one MsgApp per follower for
   * all of them, instead of one each. Their order is kept.
   */
  propose(data: Uint8Array): Promise<void> {
    if (this.state !== 'running') return Promise.reject(this.notRunning());
    const done = deferred<void>();
    this.proposals.push({ data, done });
    this.schedule();
    return done.promise;
  }

  proposeConfChange(cc: ConfChange): Promise<void> {
    // Proposals made before this one are appended before it.
    this.flushProposals();
    return this.submit(() => this.raw.proposeConfChange(cc));
  }

  /**
   * A linearizable read point (thesis §6.4): resolves with the commit index the leader confirmed
   * for `ctx` (which should be unique per request). Serve the read once appliedIndex() reaches it
   * (waitApplied). Rejects with ReadIndexTimeoutError when no answer comes in time.
   */
  readIndex(ctx: Uint8Array): Promise<number> {
    if (this.state !== 'running') return Promise.reject(this.notRunning());
    const d = deferred<number>();
    const key = Buffer.from(ctx).toString('hex');
    const list = this.reads.get(key) ?? [];
    list.push(d);
    this.reads.set(key, list);
    const timeoutMs = this.opts.readIndexTimeoutMs ?? 3 * this.opts.raft.electionTick * this.tickMs;
    const timer = this.opts.clock.setTimeout(() => {
      const pending = this.reads.get(key);
      const at = pending?.indexOf(d) ?? -1;
      if (pending === undefined || at < 0) return;
      pending.splice(at, 1);
      if (pending.length === 0) this.reads.delete(key);
      d.reject(new ReadIndexTimeoutError(timeoutMs));
    }, timeoutMs);
    void d.promise.then(
      () => timer.cancel(),
      () => timer.cancel(),
    );
    this.raw.readIndex(ctx);
    this.schedule();
    return d.promise;
  }

  /** Resolves once entries up to `index` were applied. */
  waitApplied(index: number): Promise<void> {
    if (index <= this.applied) return Promise.resolve();
    if (this.state === 'stopped' || this.state === 'failed') return Promise.reject(this.notRunning());
    const done = deferred<void>();
    this.appliedWaiters.push({ index, done });
    return done.promise;
  }

  appliedIndex(): number {
    return this.applied;
  }

  transferLeadership(transferee: NodeId): void {
    this.raw.transferLeadership(transferee);
    this.schedule();
  }

  /** Starts an election now instead of waiting for the timeout (tests, demos, graceful handover). */
  campaign(): void {
    this.raw.campaign();
    this.schedule();
  }

  status(): Status {
    return this.raw.status();
  }

  /** status() without the membership and progress (see RawNode.basicStatus). */
  basicStatus(): BasicStatus {
    return this.raw.basicStatus();
  }

  /** The error that stopped the driver, if one did. */
  error(): Error | undefined {
    return this.failure;
  }

  /** Called with the new leader (0: none known) and the term, whenever this node's view changes. */
  onLeaderChange(handler: (lead: NodeId, term: number) => void): void {
    this.leaderHandlers.push(handler);
  }

  /** Called after each batch was applied by the state machine. */
  onApply(handler: (entries: Entry[], snapshot: Snapshot | undefined) => void): void {
    this.applyHandlers.push(handler);
  }

  /** Called after a ConfChange entry was applied to the core, with the resulting membership. */
  onConfChange(handler: (cc: ConfChange, cs: ConfState) => void): void {
    this.confChangeHandlers.push(handler);
  }

  /** Called once when a persist or apply failure stops the driver. */
  onError(handler: (err: Error) => void): void {
    this.errorHandlers.push(handler);
  }

  private tick(): void {
    if (this.state !== 'running') return;
    this.raw.tick();
    this.schedule();
  }

  private receive(m: Message): void {
    if (this.state !== 'running') return;
    const err = this.raw.step(m);
    if (err !== null) this.logger.debug('raft-node: message not stepped', { type: m.type, from: m.from, error: err.message });
    this.schedule();
  }

  private submit(op: () => Error | null): Promise<void> {
    if (this.state !== 'running') return Promise.reject(this.notRunning());
    const err = op();
    if (err !== null) return Promise.reject(err);
    this.schedule();
    return Promise.resolve();
  }

  /**
   * Runs the loop soon, on the next turn of the event loop, so that messages delivered together
   * are stepped before the Ready is taken and leave in one batch.
   */
  private schedule(): void {
    if (this.loopScheduled || this.loopRunning || this.state !== 'running') return;
    this.loopScheduled = true;
    setImmediate(() => {
      this.loopScheduled = false;
      this.loop();
    });
  }

  /** Steps the queued proposals, in batches of at most maxSizePerMsg bytes (one MsgProp each). */
  private flushProposals(): void {
    if (this.proposals.length === 0) return;
    const queued = this.proposals;
    this.proposals = [];
    const limit = this.opts.raft.maxSizePerMsg ?? DEFAULT_MAX_SIZE_PER_MSG;
    for (let i = 0; i < queued.length; ) {
      let bytes = 0;
      let j = i;
      do bytes += (queued[j++] as (typeof queued)[number]).data.length;
      while (j < queued.length && bytes + (queued[j] as (typeof queued)[number]).data.length <= limit);
      const batch = queued.slice(i, j);
      const err = this.raw.proposeBatch(batch.map((p) => p.data));
      for (const p of batch) {
        if (err === null) p.done.resolve();
        else p.done.reject(err);
      }
      i = j;
    }
  }

  /** Takes every Ready the core has (within the in-flight bound) and starts handling each. */
  private loop(): void {
    if (this.loopRunning) return;
    this.loopRunning = true;
    try {
      while (this.state === 'running') {
        this.flushProposals();
        // Cleared in the same turn as the last hasReady() check, so no wake-up can be lost: a
        // Ready in flight schedules the loop again when it finishes.
        if (this.inflight >= MAX_READYS_IN_FLIGHT || !this.raw.hasReady()) return;
        this.handle(this.raw.ready());
      }
    } catch (err) {
      this.fail(asError(err));
    } finally {
      this.loopRunning = false;
    }
  }

  /**
   * Starts handling one Ready without waiting for the ones before it to be durable:
   *  - the leader's replication messages leave now (ReadyOrder);
   *  - the persist is queued behind the previous Readys' (the storage writes in call order, and
   *    Readys queued together share one write and fsync);
   *  - committed entries are applied now, after the previous Readys' entries: they are durable
   *    on a quorum, whether or not this member's own copy is yet (etcd applies them in parallel
   *    with its WAL write too). A snapshot is applied only once it is durable here;
   *  - read states are answered now: they depend on the leader's confirmation, not on this disk;
   *  - once persisted and applied, in Ready order: the other messages leave and advance() runs.
   */
  private handle(rd: Ready): void {
    const { early, late } = this.order.split(rd);
    if (rd.softState !== undefined) this.noteLeader(rd.softState.lead);
    this.send(early);
    const persisted = this.opts.persister.persistReady(rd);
    // Awaited in turn below; marked handled now so a failure is not reported before then.
    persisted.catch(() => undefined);
    const restores = rd.snapshot !== undefined && !isEmptySnapshot(rd.snapshot);
    const applied = this.applying.then(async () => {
      if (restores) await persisted;
      if (this.state === 'running') await this.applyReady(rd);
    });
    this.applying = applied.catch(() => undefined);
    this.answerReads(rd.readStates);
    this.inflight++;
    this.finishing = this.finishing
      .then(() => Promise.all([persisted, applied]))
      .then(() => {
        this.inflight--;
        // Stopped meanwhile: what is durable stays, the rest is redone after a restart.
        if (this.state !== 'running') return;
        this.sendAfterPersist(late);
        this.raw.advance(rd);
        this.schedule();
      })
      .catch((err: unknown) => {
        this.inflight--;
        this.fail(asError(err));
      });
  }

  /**
   * Queues messages that waited for their Ready's persist. Readys whose writes were grouped
   * finish in the same burst of promise callbacks; their messages leave together once it is
   * over (process.nextTick runs after the microtasks queued now), in one frame per peer with
   * their acknowledgements coalesced, instead of one frame each.
   */
  private sendAfterPersist(messages: Message[]): void {
    if (messages.length === 0) return;
    const first = this.outbox.length === 0;
    for (const m of messages) this.outbox.push(m);
    if (!first) return;
    process.nextTick(() => {
      const batch = this.outbox;
      this.outbox = [];
      if (this.state === 'running') this.send(batch);
    });
  }

  private send(batch: Message[]): void {
    const messages = coalesceMessages(batch, this.opts.raft.maxSizePerMsg ?? DEFAULT_MAX_SIZE_PER_MSG);
    if (messages.length === 0) return;
    this.opts.transport.send(messages);
    // The transport took the snapshot; a lost one is found out when the follower does not catch
    // up and the leader probes again, so report it finished rather than leave the peer paused.
    for (const m of messages) if (m.type === 'MsgSnap') this.raw.reportSnapshot(m.to, 'finish');
  }

  private async applyReady(rd: Ready): Promise<void> {
    const snap = rd.snapshot !== undefined && !isEmptySnapshot(rd.snapshot) ? rd.snapshot : undefined;
    const ents = rd.committedEntries;
    if (snap === undefined && ents.length === 0) return;
    await this.opts.apply(ents, snap);
    for (const e of ents) {
      if (e.type !== 'ConfChange' || e.data.length === 0) continue;
      const cc = decodeConfChange(e.data);
      const cs = this.raw.applyConfChange(cc);
      this.notify(this.confChangeHandlers, (h) => h(cc, cs));
    }
    if (snap !== undefined) this.applied = Math.max(this.applied, snap.metadata.index);
    const last = ents[ents.length - 1];
    if (last !== undefined) {
      this.applied = Math.max(this.applied, last.index);
      this.raw.appliedTo(last.index);
    }
    this.notify(this.applyHandlers, (h) => h(ents, snap));
    const ready = this.appliedWaiters.filter((w) => w.index <= this.applied);
    this.appliedWaiters = this.appliedWaiters.filter((w) => w.index > this.applied);
    for (const w of ready) w.done.resolve();
  }

  private answerReads(states: ReadState[]): void {
    for (const rs of states) {
      const key = Buffer.from(rs.requestCtx).toString('hex');
      const pending = this.reads.get(key);
      if (pending === undefined) continue;
      this.reads.delete(key);
      for (const d of pending) d.resolve(rs.index);
    }
  }

  private noteLeader(lead: NodeId): void {
    if (lead === this.lead) return;
    this.lead = lead;
    // As etcd's linearizableReadLoop: reads waiting across an election fail fast once a new leader
    // is known (their ReadIndex was dropped or went to a deposed leader) instead of at the timeout.
    if (lead !== 0 && this.reads.size > 0) {
      const err = new LeaderChangedError(lead);
      for (const list of this.reads.values()) for (const d of list) d.reject(err);
      this.reads.clear();
    }
    const term = this.raw.status().hardState.term;
    this.logger.info('raft-node: leader changed', { lead, term });
    this.notify(this.leaderHandlers, (h) => h(lead, term));
  }

  private fail(err: Error): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.failure = err;
    this.ticker?.cancel();
    this.logger.error('raft-node: stopping after a fatal error', { error: err.message });
    this.rejectWaiters(new NodeStoppedError('failed', err));
    this.notify(this.errorHandlers, (h) => h(err));
  }

  private rejectWaiters(err: Error): void {
    for (const list of this.reads.values()) for (const d of list) d.reject(err);
    this.reads.clear();
    for (const w of this.appliedWaiters) w.done.reject(err);
    this.appliedWaiters = [];
    for (const p of this.proposals) p.done.reject(err);
    this.proposals = [];
  }

  private notRunning(): NodeStoppedError {
    return new NodeStoppedError(this.state, this.failure);
  }

  /** Hooks are observers: one that throws is logged and does not disturb the node. */
  private notify<H>(handlers: H[], call: (h: H) => void): void {
    for (const h of handlers) {
      try {
        call(h);
      } catch (err) {
        this.logger.error('raft-node: hook threw', { error: String(err) });
      }
    }
  }
}
