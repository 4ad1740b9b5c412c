// Why a pod fits nowhere, worded as kube-scheduler words it for the FailedScheduling event and
// the PodScheduled condition:
//   0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}.
//   preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.
// Reasons are counted over nodes, printed "<count> <reason>", sorted as strings and joined.
import type { Pod } from '@kubemu/api';
import type { Status } from './status';

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';
export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_PREEMPTION_VICTIMS = 'No preemption victims found for incoming pod';

export class FitError {
  constructor(
    readonly pod: Pod,
    readonly numAllNodes: number,
    /** Per rejected node: the first plugin's rejection. */
    readonly statuses: ReadonlyMap<string, Status>,
    /** Set when PreFilter rejected the pod for every node (its reasons are then the message). */
    readonly preFilterMessage?: string,
  ) {}

  /** Plugins that rejected at least one node: the queue retries the pod on their events. */
  unschedulablePlugins(): Set<string> {
    const out = new Set<string>();
    for (const s of this.statuses.values()) if (s.plugin !== undefined) out.add(s.plugin);
    return out;
  }

  message(): string {
    let msg = `0/${this.numAllNodes} nodes are available:`;
    if (this.preFilterMessage !== undefined) msg += ` ${this.preFilterMessage}.`;
    else msg += ` ${histogram([...this.statuses.values()].flatMap((s) => s.reasons))}.`;
    return `${msg} ${this.preemptionMessage()}`;
  }

  /**
   * What the DefaultPreemption PostFilter reports. kubemu does not preempt: a node rejected for
   * a reason preemption could not change is "not helpful", any other has no victims.
   */
  private preemptionMessage(): string {
    if (this.pod.spec?.preemptionPolicy === 'Never') return 'preemption: not eligible due to preemptionPolicy=Never.';
    const per = [...this.statuses.values()].map((s) => (s.code === 'UnschedulableAndUnresolvable' ? PREEMPTION_NOT_HELPFUL : NO_PREEMPTION_VICTIMS));
    const all = this.preFilterMessage !== undefined ? new Array<string>(this.numAllNodes).fill(PREEMPTION_NOT_HELPFUL) : per;
    return `preemption: 0/${this.numAllNodes} nodes are available: ${histogram(all)}.`;
  }
}

function histogram(reasons: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).sort().join(', ');
}
