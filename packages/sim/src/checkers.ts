import type { Entry, HardState, NodeId } from '@kubemu/raft';
import { NONE } from '@kubemu/raft';
import { entryKey } from './state-machine';

/**
 * The safety invariants of Raft (paper, Figure 3), checked by the simulation after every step.
 * The checker keeps the history it needs (every leader ever seen, every entry ever applied,
 * every acknowledged proposal), so a violation is found even when the nodes involved crashed
 * since. Each check is incremental: it looks only at what the step changed.
 */
export type Invariant =
  | 'election-safety' // at most one leader per term (5.2)
  | 'log-matching' // same index and term => same entry and same log before it (5.3)
  | 'leader-completeness' // a committed entry is in the log of every later leader (5.4)
  | 'state-machine-safety' // no two nodes apply different entries at one index (5.4.3)
  | 'ack-lost' // an acknowledged proposal stays at its index everywhere
  | 'committed-truncated' // no durable log ever drops an entry known to be committed
  | 'durable-state' // term never decreases, one vote per term, commit within the log
  | 'leader-self-count' // a leader counts its own copy toward commit only once durable (thesis 10.2.1)
  | 'read-linearizable' // a ReadIndex read point covers every write acknowledged before it
  | 'liveness' // healed, a leader emerges and every pending proposal commits in bound
  | 'core-error'; // the core threw or broke its contract

export interface Violation {
  invariant: Invariant;
  detail: string;
}

/** A log as the checker sees it: a compacted prefix up to snapshotIndex, then entries. */
export interface LogView {
  snapshotIndex: number;
  snapshotTerm: number;
  /** entries[k] has index snapshotIndex + 1 + k. */
  entries: readonly Entry[];
}

export function logTerm(log: LogView, index: number): number | undefined {
  if (index === log.snapshotIndex) return log.snapshotTerm;
  return log.entries[index - log.snapshotIndex - 1]?.term;
}

export function logLastIndex(log: LogView): number {
  return log.snapshotIndex + log.entries.length;
}

/** What decides whether a node's log wins an election (Raft paper 5.4.1): its last entry. */
export interface ElectorView {
  id: NodeId;
  lastIndex: number;
  lastTerm: number;
  snapshotIndex: number;
  /** The term of the entry at `index` (above snapshotIndex), undefined past the end. */
  termAt(index: number): number | undefined;
}

interface LogRecord {
  key: string;
  prevTerm: number;
}

export class Checker {
  readonly violations: Violation[] = [];
  /** term -> the one leader elected in it. */
  private readonly leaders = new Map<number, NodeId>();
  /** committed[i] = entryKey of the entry first applied at index i by any node (i >= 1). */
  private readonly committed: string[] = [''];
  private readonly committedTerms: number[] = [0];
  /** (index, term) -> the entry and the term before it, as first made durable by anyone. */
  private readonly logRecords = new Map<number, LogRecord>();
  /** index -> value of the proposal acknowledged at that index. */
  private readonly acked = new Map<number, string>();
  private readonly durable = new Map<NodeId, HardState>();

  get failed(): boolean {
    return this.violations.length > 0;
  }

  /** How many terms had a leader. */
  get elections(): number {
    return this.leaders.size;
  }

  get committedIndex(): number {
    return this.committed.length - 1;
  }

  committedKey(index: number): string | undefined {
    return this.committed[index];
  }

  ackedEntries(): ReadonlyMap<number, string> {
    return this.acked;
  }

  fail(invariant: Invariant, detail: string): void {
    this.violations.push({ invariant, detail });
  }

  /**
   * Election Safety, and Leader Completeness checked when the leader is first seen: every entry
   * applied anywhere before this moment was committed before this election, so the new leader's
   * log must hold it (or its snapshot must cover it).
   */
  observeLeader(node: NodeId, term: number, log: LogView): void {
    const prev = this.leaders.get(term);
    if (prev === node) return;
    if (prev !== undefined) {
      this.fail('election-safety', `term ${term} has two leaders: ${prev} and ${node}`);
      return;
    }
    this.leaders.set(term, node);
    const last = logLastIndex(log);
    for (let i = log.snapshotIndex + 1; i < this.committed.length; i++) {
      const want = this.committedTerms[i] as number;
      const have = i <= last ? logTerm(log, i) : undefined;
      if (have !== want) {
        this.fail(
          'leader-completeness',
          `leader ${node} of term ${term} lacks committed entry ${i} (term ${want}); its log has ${have === undefined ? 'nothing' : `term ${have}`} there`,
        );
        return;
      }
    }
  }

  /**
   * Log Matching, incrementally: an (index, term) pair names one entry and one predecessor term
   * for all time (a leader creates one entry per index in its term). If that holds for every
   * entry ever made durable, any two logs that agree at (i, t) agree on everything before i.
   * `prevTerm` is the term of the entry before entries[0] in the node's log after the append.
   */
  observeAppend(node: NodeId, entries: readonly Entry[], prevTerm: number, truncated: readonly Entry[]): void {
    for (const e of truncated) {
      const key = this.committed[e.index];
      if (key !== undefined && key === entryKey(e)) {
        this.fail('committed-truncated', `node ${node} overwrote committed entry ${e.index} (${key})`);
        return;
      }
    }
    let before = prevTerm;
    for (const e of entries) {
      const id = e.index * 1e6 + e.term;
      const key = entryKey(e);
      const rec = this.logRecords.get(id);
      if (rec === undefined) {
        this.logRecords.set(id, { key, prevTerm: before });
      } else if (rec.key !== key || rec.prevTerm !== before) {
        this.fail(
          'log-matching',
          `node ${node} holds entry ${e.index} term ${e.term} as ${key} after term ${before}; seen before as ${rec.key} after term ${rec.prevTerm}`,
        );
        return;
      }
      before = e.term;
    }
  }

  /**
   * Leader Completeness, looking ahead: a node whose durable log lacks a committed entry must
   * never be electable, i.e. fewer than a quorum of durable logs (its own included) may be no
   * more up to date than its log. Raft guarantees this from the moment an entry commits (the
   * majority that stored it refuses such a candidate forever), so a violation shows a commit
   * that some future election can undo, before any schedule has to find that election.
   */
  checkElectable(nodes: readonly ElectorView[]): void {
    const c = this.committed.length - 1;
    if (c === 0) return;
    const want = this.committedTerms[c] as number;
    const quorum = Math.floor(nodes.length / 2) + 1;
    for (const n of nodes) {
      if (c <= n.snapshotIndex || n.termAt(c) === want) continue;
      const voters = nodes.filter((v) => v.lastTerm < n.lastTerm || (v.lastTerm === n.lastTerm && v.lastIndex <= n.lastIndex));
      if (voters.length >= quorum) {
        this.fail(
          'leader-completeness',
          `node ${n.id} lacks committed entry ${c} (term ${want}) yet its log (last ${n.lastIndex}@${n.lastTerm}) would win the votes of ${voters.map((v) => v.id).join(',')}`,
        );
        return;
      }
    }
  }

  /** The durable HardState of a node only moves forward: term up, one vote per term. */
  observeHardState(node: NodeId, hs: HardState, lastIndex: number): void {
    const prev = this.durable.get(node);
    if (prev !== undefined) {
      if (hs.term < prev.term) {
        this.fail('durable-state', `node ${node} term went back from ${prev.term} to ${hs.term}`);
      } else if (hs.term === prev.term && prev.vote !== NONE && hs.vote !== prev.vote) {
        this.fail('durable-state', `node ${node} voted twice in term ${hs.term}: ${prev.vote} then ${hs.vote}`);
      }
    }
    if (hs.commit > lastIndex) {
      this.fail('durable-state', `node ${node} commit ${hs.commit} beyond its durable log (last ${lastIndex})`);
    }
    this.durable.set(node, { ...hs });
  }

  /**
   * A leader sends entries before its own write of them completes, so its own match (its vote
   * toward commitment) must never run ahead of its disk; otherwise a crash before the write
   * completes leaves a "majority" that never held the entry. Checked whenever a leader is about
   * to hand out a Ready, i.e. with its write possibly still to come.
   */
  observeLeaderSelfMatch(node: NodeId, term: number, match: number, durableLastIndex: number): void {
    if (match > durableLastIndex) {
      this.fail('leader-self-count', `leader ${node} (term ${term}) counts itself at ${match} with only ${durableLastIndex} on its disk`);
    }
  }

  /** State Machine Safety, and acknowledged proposals staying where they were acknowledged. */
  observeApply(node: NodeId, index: number, key: string): void {
    const ackedValue = this.acked.get(index);
    if (ackedValue !== undefined && !key.endsWith('/' + ackedValue)) {
      this.fail('ack-lost', `node ${node} applied ${key} at ${index}, where ${ackedValue} was acknowledged`);
      return;
    }
    const known = this.committed[index];
    if (known === undefined) {
      if (index !== this.committed.length) {
        // The first applier of an index has applied everything before it, so the history is dense.
        this.fail('state-machine-safety', `node ${node} applied ${index} before anyone applied ${this.committed.length}`);
        return;
      }
      this.committed.push(key);
      this.committedTerms.push(Number(key.slice(0, key.indexOf('/'))));
    } else if (known !== key) {
      this.fail('state-machine-safety', `node ${node} applied ${key} at ${index}, another node applied ${known}`);
    }
  }

  /** A client got its answer: `value` is committed at `index`. */
  observeAck(value: string, index: number): void {
    this.acked.set(index, value);
  }

  /** Every acknowledged proposal is in this (converged) node's applied history at its index. */
  checkAcksApplied(node: NodeId, applied: readonly string[]): void {
    for (const [index, value] of this.acked) {
      const key = applied[index - 1];
      if (key === undefined || !key.endsWith('/' + value)) {
        this.fail('ack-lost', `node ${node} has ${key ?? 'nothing'} at ${index}, where ${value} was acknowledged`);
        return;
      }
    }
  }
}

/**
 * Log Matching checked directly on a set of logs (at phase ends and in tests): for any two logs,
 * if they hold an entry with the same index and term, they hold the same entries up to it,
 * over the range neither has compacted.
 */
export function checkLogMatching(logs: ReadonlyMap<NodeId, LogView>): Violation | undefined {
  const ids = [...logs.keys()];
  for (let x = 0; x < ids.length; x++) {
    for (let y = x + 1; y < ids.length; y++) {
      const a = logs.get(ids[x] as NodeId) as LogView;
      const b = logs.get(ids[y] as NodeId) as LogView;
      const lo = Math.max(a.snapshotIndex, b.snapshotIndex) + 1;
      let i = Math.min(logLastIndex(a), logLastIndex(b));
      while (i >= lo && logTerm(a, i) !== logTerm(b, i)) i--;
      for (; i >= lo; i--) {
        const ea = a.entries[i - a.snapshotIndex - 1] as Entry;
        const eb = b.entries[i - b.snapshotIndex - 1] as Entry;
        if (entryKey(ea) !== entryKey(eb)) {
          return {
            invariant: 'log-matching',
            detail: `nodes ${ids[x]} and ${ids[y]} agree on a later (index, term) but differ at ${i}: ${entryKey(ea)} vs ${entryKey(eb)}`,
          };
        }
      }
    }
  }
  return undefined;
}
