import type { Rng } from '@kubemu/base';
import { SeededRng, asError, silentLogger } from '@kubemu/base';
import type { ConfChange, Message, NodeId, SnapshotStatus } from '@kubemu/raft';
import { Checker } from './checkers';
import { Clients } from './clients';
import type { FaultAction, SimConfig } from './config';
import { describeConfig, randomConfig } from './config';
import { EventQueue } from './event-queue';
import type { FaultTarget } from './faults';
import { Faults } from './faults';
import type { MembershipHost } from './membership';
import { Membership } from './membership';
import { Network } from './network';
import { checkConverged, describeProgress, livenessBound } from './convergence';
import type { CrashPoint, NodeEnv } from './sim-node';
import { CRASH_POINTS, SimNode } from './sim-node';
import type { SimOptions, SimResult } from './result';
import { firstFrame } from './result';
import { Trace, describeMessage, msgCode } from './trace';

type SimEvent =
  | { kind: 'tick'; node: SimNode; incarnation: number }
  | { kind: 'deliver'; msg: Message; senderIncarnation: number }
  | { kind: 'snap-status'; node: SimNode; incarnation: number; to: NodeId; status: SnapshotStatus }
  | { kind: 'unreachable'; node: SimNode; incarnation: number; to: NodeId }
  | { kind: 'fault' }
  | { kind: 'client' }
  | { kind: 'restart'; node: SimNode }
  | { kind: 'strike'; node: SimNode; incarnation: number }
  | { kind: 'retire'; node: SimNode }
  | { kind: 'liveness' }
  | { kind: 'probe' };

/** Runs one seed: a safety phase with faults, then a liveness phase with the faults healed. */
export function runSeed(seed: number, opts: SimOptions = {}): SimResult {
  return new Simulation(seed, opts).run();
}

/**
 * The world of one seed. A single SeededRng drives everything through forks taken in a fixed
 * order: the configuration, the network, the faults, the clients, the crash points and each
 * RawNode's randomized election timeout. Virtual time only moves when an event is taken from
 * the queue, and every event is one step, after which the invariants are checked.
 */
export class Simulation implements NodeEnv, FaultTarget, MembershipHost {
  readonly checker = new Checker();
  readonly trace: Trace;
  readonly logger = silentLogger('sim');
  readonly config: SimConfig;
  /** Every node ever created, indexed by id - 1. */
  readonly all: SimNode[] = [];
  /** The nodes not retired: members, and joining or removed nodes still running. */
  nodes: SimNode[] = [];
  readonly network: Network;
  private readonly membership: Membership | undefined;
  private readonly rng: Rng;
  private readonly faults: Faults;
  private readonly clients: Clients;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly leaderTerms = new Map<NodeId, { term: number; commit: number }>();
  private time = 0;
  private events = 0;
  private phase: 'safety' | 'liveness' | 'done' = 'safety';
  private livenessStart = 0;
  private livenessBound = 0;
  /** Time from healing until every node followed one leader (-1: not yet). */
  private leaderAfter = -1;

  constructor(
    readonly seed: number,
    opts: SimOptions,
  ) {
    const root = new SeededRng(seed);
    this.config = randomConfig(seed, root.fork());
    opts.configure?.(this.config);
    this.trace = new Trace(opts.trace !== undefined, opts.trace);
    this.rng = root.fork();
    this.network = new Network(root.fork(), { ...this.config.network });
    this.faults = new Faults(root.fork(), this.config, this.config.network);
    this.clients = new Clients(seed, root.fork(), this.checker, this.config.retryAfter, this.config.maxPending);
    const ids = Array.from({ length: this.config.nodes }, (_, i) => i + 1);
    for (const id of ids) this.all.push(new SimNode(id, ids, this.config, this));
    this.nodes = [...this.all];
    const c = this.config;
    this.membership = c.membership
      ? new Membership(root.fork(), this, ids, c.retryAfter, 50 * c.tickInterval)
      : undefined;
  }

  now(): number {
    return this.time;
  }

  run(): SimResult {
    this.trace.event(0, 'config', this.config.nodes, 0, 0, 0, () => describeConfig(this.config));
    const c = this.config;
    for (const node of this.nodes) this.restart(node);
    this.queue.push(this.rng.range(1, c.faultEvery * 2), { kind: 'fault' });
    this.queue.push(this.rng.range(1, c.proposeEvery * 2 + 1), { kind: 'client' });
    this.queue.push(c.safetyTicks * c.tickInterval, { kind: 'liveness' });
    while (this.phase !== 'done' && !this.checker.failed) {
      const ev = this.queue.pop();
      if (ev === undefined) break;
      this.time = ev.time;
      this.events++;
      try {
        this.dispatch(ev.item);
        // The look-ahead check assumes one fixed configuration.
        if (this.membership === undefined) this.checker.checkElectable(this.nodes.map((n) => n.electorView()));
      } catch (err) {
        const e = asError(err);
        this.checker.fail('core-error', `${e.name}: ${e.message} (${firstFrame(e)})`);
      }
    }
    return this.result();
  }

  // --- NodeEnv ---

  send(from: SimNode, msgs: readonly Message[]): void {
    for (const msg of msgs) {
      const arrivals = this.network.schedule(this.time, msg.from, msg.to);
      if (arrivals.length === 0) {
        this.trace.event(this.time, 'drop', msg.from, msg.to, msgCode(msg), msg.term);
        if (msg.type === 'MsgSnap') this.snapStatus(from, msg.to, 'failure');
      }
      for (let k = 0; k < arrivals.length; k++) {
        const copy = k === 0 ? msg : { ...msg };
        this.queue.push(arrivals[k] as number, { kind: 'deliver', msg: copy, senderIncarnation: from.incarnation });
      }
    }
  }

  applied(node: SimNode, index: number, key: string): void {
    this.membership?.applied(index, key);
    const value = this.clients.applied(node, index, key);
    if (value !== undefined) this.trace.event(this.time, 'ack', node.id, index, 0, 0, () => value);
  }

  readState(node: SimNode, ctx: Uint8Array, index: number): void {
    this.trace.event(this.time, 'read-state', node.id, index);
    this.clients.readAnswered(node, ctx, index);
  }

  // --- FaultTarget ---

  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    let bestTerm = -1;
    for (const n of this.nodes) {
      const term = n.leaderTerm();
      if (term !== undefined && term > bestTerm) {
        best = n;
        bestTerm = term;
      }
    }
    return best;
  }

  crash(node: SimNode): void {
    if (!node.up) return;
    node.crash();
    this.trace.event(this.time, 'crash', node.id, -1);
    this.scheduleRestart(node);
  }

  transferLeader(from: SimNode, to: NodeId): void {
    this.trace.event(this.time, 'transfer', from.id, to);
    from.raw?.transferLeadership(to);
    this.afterEvent(from);
  }

  note(action: FaultAction | string, detail: () => string = () => ''): void {
    this.trace.event(this.time, action, 0, 0, 0, 0, detail);
  }

  reconfigure(): void {
    this.membership?.step();
  }

  // --- MembershipHost ---

  spawn(): SimNode {
    const node = new SimNode(this.all.length + 1, [], this.config, this);
    this.all.push(node);
    this.nodes.push(node);
    this.restart(node);
    return node;
  }

  retire(node: SimNode, delay: number): void {
    this.queue.push(this.time + delay, { kind: 'retire', node });
  }

  proposeConfChange(node: SimNode, cc: ConfChange): void {
    const err = node.raw?.proposeConfChange(cc);
    this.trace.event(this.time, 'propose-conf', node.id, cc.nodeId, err ? 1 : 0, 0, () => cc.type);
    this.afterEvent(node);
  }

  // --- the event loop ---

  private dispatch(ev: SimEvent): void {
    const c = this.config;
    switch (ev.kind) {
      case 'tick': {
        const node = ev.node;
        if (node.incarnation !== ev.incarnation || node.raw === undefined) return;
        node.raw.tick();
        this.afterEvent(node);
        this.scheduleTick(node);
        return;
      }
      case 'deliver':
        this.deliver(ev.msg, ev.senderIncarnation);
        return;
      case 'snap-status': {
        if (ev.node.incarnation !== ev.incarnation || ev.node.raw === undefined) return;
        ev.node.raw.reportSnapshot(ev.to, ev.status);
        this.afterEvent(ev.node);
        return;
      }
      case 'unreachable': {
        if (ev.node.incarnation !== ev.incarnation || ev.node.raw === undefined) return;
        ev.node.raw.reportUnreachable(ev.to);
        this.afterEvent(ev.node);
        return;
      }
      case 'fault':
        if (this.phase !== 'safety') return;
        this.faults.act(this);
        this.queue.push(this.time + this.rng.range(1, c.faultEvery * 2), { kind: 'fault' });
        return;
      case 'client':
        this.clientRequest();
        this.queue.push(this.time + this.rng.range(1, c.proposeEvery * 2 + 1), { kind: 'client' });
        return;
      case 'restart':
        if (!ev.node.up && !ev.node.retired) this.restart(ev.node);
        return;
      case 'retire':
        this.retireNow(ev.node);
        return;
      case 'strike':
        if (this.phase === 'safety' && ev.node.incarnation === ev.incarnation) this.faults.strike(ev.node, this);
        return;
      case 'liveness':
        this.startLiveness();
        return;
      case 'probe':
        this.probe();
        return;
    }
  }

  private deliver(msg: Message, senderIncarnation: number): void {
    const to = this.all[msg.to - 1];
    const from = this.all[msg.from - 1];
    const lost = to === undefined || to.raw === undefined || this.network.isCut(msg.from, msg.to);
    if (lost) {
      this.trace.event(this.time, 'lost', msg.from, msg.to, msgCode(msg), msg.term);
      if (from !== undefined && from.incarnation === senderIncarnation) {
        if (msg.type === 'MsgSnap') this.snapStatus(from, msg.to, 'failure');
        // A transport notices some broken links and tells the sender (etcd's reportUnreachable).
        else if (this.rng.chance(0.2)) {
          this.queue.push(this.time + 1, { kind: 'unreachable', node: from, incarnation: from.incarnation, to: msg.to });
        }
      }
      return;
    }
    this.trace.event(this.time, 'recv', msg.from, msg.to, msgCode(msg), msg.term, () => describeMessage(msg));
    const err = to.raw?.step(msg);
    if (err) this.trace.event(this.time, 'step-error', msg.to, msgCode(msg), 0, 0, () => err.message);
    this.afterEvent(to);
    if (from !== undefined && msg.type === 'MsgSnap' && from.incarnation === senderIncarnation) {
      this.snapStatus(from, msg.to, 'finish');
    }
  }

  private snapStatus(from: SimNode, to: NodeId, status: SnapshotStatus): void {
    this.queue.push(this.time + 1, { kind: 'snap-status', node: from, incarnation: from.incarnation, to, status });
  }

  private clientRequest(): void {
    if (this.rng.chance(0.2)) {
      const up = this.nodes.filter((n) => n.up);
      if (up.length === 0) return;
      const node = this.rng.pick(up);
      node.raw?.readIndex(this.clients.startRead());
      this.trace.event(this.time, 'read', node.id);
      this.afterEvent(node);
      return;
    }
    const req = this.clients.request(this.time, this.nodes, this.phase === 'safety');
    if (req === undefined || req.node.raw === undefined) return;
    const err = req.node.raw.propose(this.clients.encode(req.value));
    this.trace.event(this.time, 'propose', req.node.id, err ? 1 : 0, 0, 0, () => req.value);
    this.afterEvent(req.node);
  }

  /**
   * After anything happened to a node: handle its Ready (perhaps crashing part-way), then check
   * what only this node can have changed: whether it became a leader.
   */
  private afterEvent(node: SimNode): void {
    const c = this.config;
    const crashAt: CrashPoint | undefined =
      this.phase === 'safety' && c.readyCrash > 0 && this.rng.chance(c.readyCrash) ? this.rng.pick(CRASH_POINTS) : undefined;
    if (!node.handleReady(this.rng, crashAt)) {
      this.scheduleRestart(node);
      return;
    }
    const lead = node.leadership();
    if (lead !== undefined) this.observeLeadership(node, lead.term, lead.commit);
    if (node.state.lastIndex - node.disk.snapshot().metadata.index >= c.snapshotEvery) node.compact(c.snapshotKeep);
  }

  /**
   * Checks a leader when first seen in a term. In churn seeds, strikes it soon after its election
   * or soon after its first commit in the term: the moments when a leader has replicated only
   * part of what it holds (Raft paper, Figure 8).
   */
  private observeLeadership(node: SimNode, term: number, commit: number): void {
    const c = this.config;
    const seen = this.leaderTerms.get(node.id);
    if (seen === undefined || seen.term !== term) {
      this.leaderTerms.set(node.id, { term, commit });
      this.trace.event(this.time, 'leader', node.id, term, commit);
      this.checker.observeLeader(node.id, term, node.logView());
      this.maybeStrike(node, 4 * c.tickInterval);
    } else if (seen.commit >= 0 && commit > seen.commit) {
      seen.commit = -1; // only the first commit of the term is a strike point
      this.maybeStrike(node, 2 * c.tickInterval);
    }
  }

  private maybeStrike(node: SimNode, within: number): void {
    if (this.phase !== 'safety' || this.config.leaderChurn === 0 || !this.rng.chance(this.config.leaderChurn)) return;
    this.queue.push(this.time + this.rng.range(1, within), { kind: 'strike', node, incarnation: node.incarnation });
  }

  private retireNow(node: SimNode): void {
    if (node.retired) return;
    if (node.up) node.crash();
    node.retired = true;
    this.nodes = this.all.filter((n) => !n.retired);
    this.trace.event(this.time, 'retire', node.id);
  }

  private restart(node: SimNode): void {
    node.start(this.rng.fork());
    this.trace.event(this.time, 'start', node.id, node.incarnation);
    this.afterEvent(node);
    this.scheduleTick(node);
  }

  private scheduleRestart(node: SimNode): void {
    if (this.phase !== 'safety') return;
    const [lo, hi] = this.config.downtime;
    this.queue.push(this.time + this.rng.range(lo, hi + 1) * this.config.tickInterval, { kind: 'restart', node });
  }

  private scheduleTick(node: SimNode): void {
    if (node.raw === undefined) return;
    const c = this.config;
    const jitter = c.tickJitter === 0 ? 0 : this.rng.range(-c.tickJitter, c.tickJitter + 1);
    this.queue.push(this.time + c.tickInterval + jitter, { kind: 'tick', node, incarnation: node.incarnation });
  }

  /** Faults healed, crashed nodes back, no more loss: the group must converge within the bound. */
  private startLiveness(): void {
    this.phase = 'liveness';
    this.livenessStart = this.time;
    this.network.healAll();
    this.network.faults = { ...this.config.network, drop: 0, duplicate: 0 };
    this.clients.healed();
    // Removed members are shut down; the others all run from now on.
    for (const node of this.all) if (this.membership?.removed(node.id)) this.retireNow(node);
    for (const node of this.nodes) if (!node.up) this.restart(node);
    this.livenessBound = livenessBound(this.config, this.nodes);
    this.trace.event(this.time, 'liveness', this.livenessBound);
    this.queue.push(this.time + this.config.tickInterval, { kind: 'probe' });
  }

  private probe(): void {
    const c = this.config;
    this.membership?.retry();
    const verdict = checkConverged(this.nodes, this.clients.pending.size, this.checker, this.membership);
    if (this.leaderAfter < 0 && verdict.leader) this.leaderAfter = this.time - this.livenessStart;
    if (verdict.converged) {
      this.phase = 'done';
      return;
    }
    const elapsed = this.time - this.livenessStart;
    if (this.leaderAfter < 0 && elapsed >= c.leaderTicks * c.tickInterval) {
      this.checker.fail('liveness', `no leader followed by all ${c.leaderTicks} ticks after healing: ${verdict.missing}; ${describeProgress(this.nodes)}`);
      return;
    }
    if (elapsed >= this.livenessBound * c.tickInterval) {
      this.checker.fail('liveness', `not converged ${this.livenessBound} ticks after healing: ${verdict.missing}; ${describeProgress(this.nodes)}`);
      return;
    }
    this.queue.push(this.time + c.tickInterval, { kind: 'probe' });
  }

  private result(): SimResult {
    const violation = this.checker.violations[0];
    const r: SimResult = {
      seed: this.seed,
      ok: violation === undefined && this.phase === 'done',
      traceHash: this.trace.hash(),
      config: describeConfig(this.config),
      stats: {
        time: this.time,
        events: this.events,
        messages: this.network.sent,
        dropped: this.network.dropped,
        crashes: this.all.reduce((s, n) => s + n.crashes, 0),
        readyCrashes: this.all.reduce((s, n) => s + n.readyCrashes, 0),
        snapshotsInstalled: this.all.reduce((s, n) => s + n.restores, 0),
        confChanges: this.membership?.changes ?? 0,
        reads: this.clients.readsAnswered,
        leaders: this.checker.elections,
        proposed: this.clients.proposed,
        acknowledged: this.clients.acknowledged,
        committed: this.checker.committedIndex,
        leaderTicks: this.leaderAfter < 0 ? -1 : Math.round(this.leaderAfter / this.config.tickInterval),
        livenessTicks: this.phase === 'safety' ? 0 : Math.round((this.time - this.livenessStart) / this.config.tickInterval),
      },
    };
    if (violation !== undefined) r.violation = violation;
    else if (this.phase !== 'done') r.violation = { invariant: 'liveness', detail: 'the event queue ran dry' };
    return r;
  }
}
