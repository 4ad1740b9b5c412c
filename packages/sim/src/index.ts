/**
 * @kubemu/sim: a seeded, deterministic simulation of Raft groups (the core's RawNode, as
 * docs/raft-api.md describes it), after TigerBeetle's simulator.
 *
 * One seed drives everything through one SeededRng: the group (3 or 5 nodes, checkQuorum and
 * preVote on or off, message size and flow-control limits), virtual time (node ticks with
 * per-node clock jitter), the network (per-message latency, reorder, loss, duplication,
 * partitions, one-way cuts, heals), crashes (whole nodes, and crash points inside the handling
 * of a Ready: a torn write, after persisting, mid-send, after sending, mid-apply), leader churn
 * (Figure 8 of the Raft paper), snapshots and compaction, membership changes, client proposals
 * and ReadIndex reads. A node's disk is a MemoryStorage holding only what was written (a
 * trailing write that was not fsynced is lost on a crash); everything else is rebuilt on restart.
 *
 * After every step (one event) the checkers verify: at most one leader per term; log matching;
 * leader completeness (at election, and looking ahead: no node lacking a committed entry can win
 * a vote); no two nodes apply different entries at one index; no acknowledged proposal lost; no
 * committed entry truncated; durable term/vote monotonic; ReadIndex reads linearizable. Then a
 * liveness phase heals everything: a leader must emerge and every pending request commit within
 * a bound, all nodes converging on one history.
 *
 * `npm run sim -- --seeds N [--start K]` ends with `sim: N seeds, F failures`; each failure
 * prints its seed, and `npm run sim -- --seed S --trace` replays it exactly.
 */
export { runSeed, Simulation } from './simulation';
export type { SimOptions, SimResult } from './result';
export { Checker, checkLogMatching } from './checkers';
export type { ElectorView, Invariant, LogView, Violation } from './checkers';
export { randomConfig, describeConfig } from './config';
export type { SimConfig, FaultAction } from './config';
export { runSeeds, formatFailure, summaryLine } from './runner';
export { History, operationsOf, describeOperation } from './history';
export type { ClientId, KvInput, KvOutput, HistoryEvent, HistoryDump, Operation } from './history';
export { checkLinearizable } from './linearizability';
export type { CheckOptions, LinearizabilityResult, Verdict } from './linearizability';
export { kvModel } from './linearizability-model';
export type { Model, KvState } from './linearizability-model';
