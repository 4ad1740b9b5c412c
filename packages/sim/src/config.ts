import type { Rng } from '@kubemu/base';
import type { NetworkFaults } from './network';

/** Everything a seed decides before the run starts. Times are virtual units; a tick is `tickInterval`. */
export interface SimConfig {
  seed: number;
  nodes: 3 | 5;
  electionTick: number;
  heartbeatTick: number;
  checkQuorum: boolean;
  preVote: boolean;
  maxSizePerMsg: number;
  maxInflightMsgs: number;
  tickInterval: number;
  /** Each node's clock runs at its own pace: its tick period is tickInterval +- this. */
  tickJitter: number;
  /** Length of the safety phase in ticks. */
  safetyTicks: number;
  /** Liveness: ticks after healing by which every running member follows one leader. */
  leaderTicks: number;
  /** Liveness bound in ticks (plus time to ship the backlog): one leader, every request answered. */
  livenessTicks: number;
  network: NetworkFaults;
  /** Mean time between fault actions. */
  faultEvery: number;
  /** Probability that the handling of one Ready is interrupted by a crash. */
  readyCrash: number;
  /**
   * Probability that a newly elected leader is struck (crashed, or cut off from all but one peer)
   * within a few ticks, typically after replicating part of its log: the Figure 8 pattern of the
   * Raft paper needs such short-lived leaders of successive terms.
   */
  leaderChurn: number;
  /** Node downtime after a crash, in ticks: [min, max]. */
  downtime: [number, number];
  /** Mean time between client requests. */
  proposeEvery: number;
  /** A client retries a proposal it has no answer for after this long. */
  retryAfter: number;
  maxPending: number;
  /** Applied entries between two snapshots of a node (Infinity: never compact). */
  snapshotEvery: number;
  /** Entries kept in the log below a snapshot, for slow followers. */
  snapshotKeep: number;
  /** Whether the group changes membership (adds an empty node, removes a member) during the run. */
  membership: boolean;
  /** Relative weights of fault actions. */
  faultWeights: Record<FaultAction, number>;
}

export type FaultAction =
  | 'partition'
  | 'isolate-leader'
  | 'one-way'
  | 'heal'
  | 'crash'
  | 'crash-leader'
  | 'storm'
  | 'calm'
  | 'transfer-leader'
  | 'reconfigure';

/** Draws a seed's configuration: most seeds are hostile, a few are calm, each in its own way. */
export function randomConfig(seed: number, rng: Rng): SimConfig {
  const tickInterval = 10;
  const electionTick = 10;
  const maxDelay = rng.pick([2, 5, 10, 20, 30]);
  const hostile = rng.chance(0.85);
  const config: SimConfig = {
    seed,
    nodes: rng.chance(0.5) ? 3 : 5,
    electionTick,
    heartbeatTick: rng.pick([1, 2, 3]),
    checkQuorum: rng.chance(0.7),
    preVote: rng.chance(0.7),
    maxSizePerMsg: rng.pick([1, 1, 200, 1024 * 1024]),
    maxInflightMsgs: rng.pick([1, 4, 256]),
    tickInterval,
    tickJitter: rng.pick([0, 1, 3]),
    safetyTicks: 1000,
    leaderTicks: 15 * electionTick,
    livenessTicks: 30 * electionTick,
    network: {
      drop: hostile ? rng.pick([0, 0.01, 0.05, 0.15]) : 0,
      duplicate: hostile ? rng.pick([0, 0.01, 0.05]) : 0,
      minDelay: 1,
      maxDelay,
      reorder: rng.pick([0, 0.02, 0.1]),
      longDelay: maxDelay + rng.pick([20, 60, 150]),
      fifo: false,
    },
    faultEvery: tickInterval * rng.pick([5, 15, 40]),
    readyCrash: hostile ? rng.pick([0, 0.001, 0.004]) : 0,
    leaderChurn: hostile && rng.chance(0.4) ? rng.pick([0.2, 0.5, 0.8]) : 0,
    downtime: [1, rng.pick([5, 20, 60])],
    proposeEvery: tickInterval * rng.pick([0.5, 1, 3]),
    retryAfter: tickInterval * electionTick * 2,
    maxPending: rng.pick([3, 10, 30]),
    snapshotEvery: rng.pick([5, 10, 20, 50, Infinity]),
    snapshotKeep: rng.pick([0, 2, 10]),
    faultWeights: {
      partition: 3,
      'isolate-leader': 3,
      'one-way': 2,
      heal: 4,
      crash: hostile ? 2 : 0,
      'crash-leader': hostile ? 2 : 0,
      storm: hostile ? 1 : 0,
      calm: 1,
      'transfer-leader': 1,
      reconfigure: 0,
    },
    membership: false,
  };
  // Drawn last, so that adding it left every other choice of a seed as it was.
  config.membership = rng.chance(0.3);
  config.network.fifo = rng.chance(0.5);
  config.faultWeights.reconfigure = config.membership ? 3 : 0;
  return config;
}

export function describeConfig(c: SimConfig): string {
  const n = c.network;
  return (
    `nodes=${c.nodes} checkQuorum=${c.checkQuorum} preVote=${c.preVote} heartbeat=${c.heartbeatTick} ` +
    `maxSize=${c.maxSizePerMsg} inflight=${c.maxInflightMsgs} drop=${n.drop} dup=${n.duplicate} ` +
    `delay=${n.minDelay}..${n.maxDelay}${n.fifo ? ' fifo' : ''} reorder=${n.reorder}/${n.longDelay} readyCrash=${c.readyCrash} ` +
    `churn=${c.leaderChurn} membership=${c.membership} snapshotEvery=${c.snapshotEvery} keep=${c.snapshotKeep}`
  );
}
