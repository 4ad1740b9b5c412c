import type { Rng } from '@kubemu/base';
import type { NodeId } from '@kubemu/raft';
import type { FaultAction, SimConfig } from './config';
import type { Network, NetworkFaults } from './network';
import type { SimNode } from './sim-node';

/** What the fault injector may do to the simulated world. */
export interface FaultTarget {
  readonly nodes: readonly SimNode[];
  readonly network: Network;
  leader(): SimNode | undefined;
  crash(node: SimNode): void;
  transferLeader(from: SimNode, to: NodeId): void;
  reconfigure(): void;
  note(action: FaultAction, detail: () => string): void;
}

/**
 * Chooses and performs fault actions during the safety phase, weighted per seed. Partitions
 * accumulate until a heal; crashed nodes come back after a random downtime (the simulation
 * schedules the restart); a storm raises loss and duplication until the next calm.
 */
export class Faults {
  private readonly actions: FaultAction[];
  private readonly weights: number[];
  private readonly total: number;

  constructor(
    private readonly rng: Rng,
    private readonly config: SimConfig,
    private readonly base: NetworkFaults,
  ) {
    this.actions = (Object.keys(config.faultWeights) as FaultAction[]).filter((a) => config.faultWeights[a] > 0);
    this.weights = this.actions.map((a) => config.faultWeights[a]);
    this.total = this.weights.reduce((x, y) => x + y, 0);
  }

  act(t: FaultTarget): void {
    if (this.total === 0) return;
    let r = this.rng.next() * this.total;
    let k = 0;
    while (k < this.actions.length - 1 && r >= (this.weights[k] as number)) r -= this.weights[k++] as number;
    this.perform(this.actions[k] as FaultAction, t);
  }

  /**
   * Strikes a (new) leader: crash it, or cut it off (with one peer in a group of five) from the
   * rest, which is reconnected: the others may then elect a leader that the struck one never
   * replicated to. A cut also loses what the leader had on the wire; a crash does not.
   */
  strike(node: SimNode, t: FaultTarget): void {
    if (this.rng.chance(0.5)) {
      t.crash(node);
      return;
    }
    const others = this.rng.shuffle(t.nodes.map((n) => n.id).filter((id) => id !== node.id));
    const keep = t.nodes.length >= 5 ? 1 : 0;
    const groups = [[node.id, ...others.slice(0, keep)], others.slice(keep)];
    t.network.healAll();
    t.network.partition(groups);
    t.note('isolate-leader', () => groups.map((g) => g.join(',')).join(' | '));
  }

  private perform(action: FaultAction, t: FaultTarget): void {
    const rng = this.rng;
    const ids = t.nodes.map((n) => n.id);
    switch (action) {
      case 'partition': {
        const shuffled = rng.shuffle([...ids]);
        const groups =
          ids.length >= 5 && rng.chance(0.25)
            ? [shuffled.slice(0, 2), shuffled.slice(2, 4), shuffled.slice(4)]
            : splitAt(shuffled, rng.range(1, Math.floor(ids.length / 2) + 1));
        t.network.partition(groups);
        t.note(action, () => groups.map((g) => g.join(',')).join(' | '));
        return;
      }
      case 'isolate-leader': {
        const leader = t.leader() ?? rng.pick(t.nodes);
        const others = rng.shuffle(ids.filter((id) => id !== leader.id));
        const withLeader = ids.length >= 5 && rng.chance(0.5) ? 1 : 0;
        const groups = [[leader.id, ...others.slice(0, withLeader)], others.slice(withLeader)];
        t.network.partition(groups);
        t.note(action, () => groups.map((g) => g.join(',')).join(' | '));
        return;
      }
      case 'one-way': {
        const from = rng.pick(ids);
        const to = rng.pick(ids.filter((id) => id !== from));
        t.network.cutLink(from, to);
        t.note(action, () => `${from}>${to}`);
        return;
      }
      case 'heal':
        t.network.healAll();
        t.note(action, () => '');
        return;
      case 'crash': {
        const up = t.nodes.filter((n) => n.up);
        if (up.length > 1) t.crash(rng.pick(up));
        return;
      }
      case 'crash-leader': {
        const leader = t.leader();
        if (leader !== undefined) t.crash(leader);
        return;
      }
      case 'storm':
        t.network.faults = {
          ...this.base,
          drop: rng.pick([0.1, 0.3, 0.6]),
          duplicate: rng.pick([0, 0.1, 0.3]),
          reorder: rng.pick([0.1, 0.3]),
          longDelay: Math.max(this.base.longDelay, this.base.maxDelay + 50),
        };
        t.note(action, () => JSON.stringify(t.network.faults));
        return;
      case 'calm':
        t.network.faults = { ...this.base };
        t.note(action, () => '');
        return;
      case 'reconfigure':
        t.reconfigure();
        return;
      case 'transfer-leader': {
        const leader = t.leader();
        if (leader === undefined) return;
        const to = rng.pick(ids.filter((id) => id !== leader.id));
        t.transferLeader(leader, to);
        return;
      }
    }
  }
}

function splitAt<T>(items: T[], k: number): T[][] {
  return [items.slice(0, k), items.slice(k)];
}
