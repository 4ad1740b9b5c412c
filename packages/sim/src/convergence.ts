import type { NodeId } from '@kubemu/raft';
import type { Checker, LogView } from './checkers';
import { checkLogMatching } from './checkers';
import type { SimConfig } from './config';
import type { Membership } from './membership';
import type { SimNode } from './sim-node';

export interface Convergence {
  /** Every running node follows one leader of the highest term. */
  leader: boolean;
  converged: boolean;
  /** What is still missing. */
  missing: string;
}

/**
 * The liveness phase's goal: one leader that every node follows, no client request left
 * unanswered, every entry replicated, committed and applied everywhere. Once reached, the final
 * whole-state checks run.
 */
export function checkConverged(nodes: readonly SimNode[], pending: number, checker: Checker, membership?: Membership): Convergence {
  const waiting = (missing: string, leader = false): Convergence => ({ leader, converged: false, missing });
  const down = nodes.filter((n) => n.raw === undefined);
  if (down.length > 0) return waiting(`nodes down: ${down.map((n) => n.id).join(',')}`);
  const members = membership === undefined ? nodes : nodes.filter((n) => membership.members.has(n.id));
  const leaders = members.filter((n) => n.leaderTerm() !== undefined);
  if (leaders.length !== 1) return waiting(`${leaders.length} leaders`);
  const leader = leaders[0] as SimNode;
  const lst = leader.raw?.status();
  if (lst === undefined) return waiting('leader down');
  for (const n of members) {
    const st = n.raw?.status();
    if (st === undefined || st.softState.lead !== leader.id || st.hardState.term !== lst.hardState.term) {
      return waiting(`node ${n.id} does not follow leader ${leader.id} in term ${lst.hardState.term}`);
    }
  }
  if (membership !== undefined) {
    if (!membership.settled) return waiting('a membership change is still pending', true);
    if (members.length !== nodes.length || members.length !== membership.members.size) {
      return waiting(`running nodes ${nodes.map((n) => n.id).join(',')} are not the members ${[...membership.members].join(',')}`, true);
    }
  }
  if (pending > 0) return waiting(`${pending} client requests unanswered`, true);
  const commit = lst.hardState.commit;
  if (commit !== leader.disk.lastIndex()) return waiting(`leader commit ${commit} < last index ${leader.disk.lastIndex()}`, true);
  for (const n of nodes) {
    if (n.state.lastIndex !== commit) return waiting(`node ${n.id} applied ${n.state.lastIndex} of ${commit}`, true);
  }
  finalChecks(nodes, checker);
  return { leader: true, converged: true, missing: '' };
}

/** Whole-state checks once converged: identical state machines, every ack in place, Log Matching. */
function finalChecks(nodes: readonly SimNode[], checker: Checker): void {
  const reference = (nodes[0] as SimNode).state.all();
  for (const n of nodes) {
    const keys = n.state.all();
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== reference[i]) {
        checker.fail('state-machine-safety', `converged nodes differ at ${i + 1}: ${reference[i]} vs ${keys[i]}`);
        return;
      }
    }
    checker.checkAcksApplied(n.id, keys);
    if (checker.failed) return;
  }
  const logs = new Map<NodeId, LogView>();
  for (const n of nodes) logs.set(n.id, n.logView());
  const v = checkLogMatching(logs);
  if (v !== undefined) checker.fail(v.invariant, v.detail);
}

export function describeProgress(nodes: readonly SimNode[]): string {
  return nodes
    .map((n) => {
      const st = n.raw?.status();
      if (st === undefined) return `${n.id}:down`;
      return `${n.id}:${st.softState.raftState}(t${st.hardState.term},lead ${st.softState.lead},commit ${st.hardState.commit},applied ${n.state.lastIndex},last ${n.disk.lastIndex()})`;
    })
    .join(' ');
}

/**
 * The liveness bound in ticks: a fixed allowance for elections and retries, plus the time to ship
 * the backlog (entries some node still lacks) one message per round trip at worst.
 */
export function livenessBound(c: SimConfig, nodes: readonly SimNode[]): number {
  const last = Math.max(...nodes.map((n) => n.disk.lastIndex()));
  const commit = Math.min(...nodes.map((n) => n.disk.initialState().hardState.commit));
  const roundTrip = (2 * c.network.maxDelay) / c.tickInterval + 1;
  const perMessage = Math.max(1, Math.floor(c.maxSizePerMsg / 40));
  return c.livenessTicks + Math.ceil(((last - commit) * roundTrip) / perMessage);
}
