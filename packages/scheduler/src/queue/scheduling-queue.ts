// The scheduling queue, as kube-scheduler's PriorityQueue:
//   activeQ          pods ready to be tried, highest priority first, then the earliest enqueued;
//   backoffQ         pods waiting out their backoff (1 s doubling per attempt, at most 10 s);
//   unschedulablePods pods no node fits; they move back when a cluster event one of the plugins
//                    that rejected them cares about happens (node added or updated, pod deleted...),
//                    or after 5 min in any case.
// A pod is in at most one of the three, or in flight (popped and being scheduled), never twice.
// If an event arrives while a pod is in flight, the pod goes to backoffQ rather than
// unschedulablePods when it fails: the event might have been the one it needed.
import type { Clock, Timer } from '@kubemu/base';
import type { Pod } from '@kubemu/api';
import type { ClusterEvent } from '../framework/interfaces';
import { newPodInfo, podKey } from '../framework/pod-info';
import type { PodInfo } from '../framework/pod-info';
import { KeyedHeap } from './heap';

export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** When the pod was (re)queued: activeQ's tie-breaker and the unschedulable flush's clock. */
  timestamp: number;
  /** Arrival order, breaking ties between equal timestamps (first come, first served). */
  seq: number;
  /** Clock time the pod first entered the queue (the start of kube-scheduler's scheduling SLI). */
  enqueuedAt: number;
  /** Scheduling attempts so far. */
  attempts: number;
  /** Clock time of the first attempt, for the end-to-end scheduling latency. */
  initialAttemptTimestamp?: number;
  /** Plugins that rejected the pod in its last attempt. */
  unschedulablePlugins: Set<string>;
  /** Clock time at which the backoff of the last failure ends. */
  backoffExpiry: number;
}

export interface SchedulingQueueOptions {
  clock: Clock;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Pods in unschedulablePods longer than this are retried anyway (kube-scheduler: 5 min). */
  maxInUnschedulableMs?: number;
  /** The events after which a pod rejected by `plugin` may fit; undefined: every event. */
  pluginEvents?: (plugin: string) => readonly ClusterEvent[] | undefined;
}

export interface PendingCounts {
  active: number;
  backoff: number;
  unschedulable: number;
}

const priority = (q: QueuedPodInfo): number => q.podInfo.pod.spec?.priority ?? 0;
const keyOf = (q: QueuedPodInfo): string => q.podInfo.key;

/** The pod changed in a way that could change a scheduling decision (not only status or version). */
export function isPodUpdated(oldPod: Pod, newPod: Pod): boolean {
  const strip = (p: Pod): string => {
    const { resourceVersion: _rv, generation: _g, managedFields: _m, ...meta } = p.metadata ?? {};
    return JSON.stringify({ meta, spec: p.spec });
  };
  return strip(oldPod) !== strip(newPod);
}

export class SchedulingQueue {
  private readonly active = new KeyedHeap<QueuedPodInfo>(keyOf, (a, b) => {
    const pa = priority(a);
    const pb = priority(b);
    if (pa !== pb) return pa > pb;
    return a.timestamp !== b.timestamp ? a.timestamp < b.timestamp : a.seq < b.seq;
  });
  private readonly backoff = new KeyedHeap<QueuedPodInfo>(keyOf, (a, b) => a.backoffExpiry < b.backoffExpiry);
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  /** Popped and not yet done; the latest version of the pod if it changed meanwhile. */
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  private schedulingCycle = 0;
  private seq = 0;
  private moveRequestCycle = -1;
  private waiters: (() => void)[] = [];
  private timers: Timer[] = [];
  private closed = false;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;

  constructor(private readonly opts: SchedulingQueueOptions) {
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? 300_000;
  }

  /** Starts the periodic flushes: backoffQ every second, unschedulablePods every 30 s. */
  run(): void {
    this.timers.push(this.opts.clock.setInterval(() => this.flushBackoffCompleted(), 1000));
    this.timers.push(this.opts.clock.setInterval(() => this.flushUnschedulableLeftover(), 30_000));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) t.cancel();
    this.wake();
  }

  /** A new pending pod. */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.inFlight.has(key)) return;
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    const existing = this.active.get(key);
    this.active.push(existing !== undefined ? { ...existing, podInfo: newPodInfo(pod) } : this.newQueued(pod));
    this.wake();
  }

  update(oldPod: Pod, newPod: Pod): void {
    const key = podKey(newPod);
    const info = newPodInfo(newPod);
    const flying = this.inFlight.get(key);
    if (flying !== undefined) {
      flying.podInfo = info;
      return;
    }
    for (const q of [this.active, this.backoff]) {
      const existing = q.get(key);
      if (existing !== undefined) {
        q.push({ ...existing, podInfo: info });
        return;
      }
    }
    const u = this.unschedulable.get(key);
    if (u !== undefined) {
      u.podInfo = info;
      if (isPodUpdated(oldPod, newPod)) {
        this.unschedulable.delete(key);
        this.requeue(u);
      }
      return;
    }
    this.add(newPod);
  }

  delete(pod: Pod): void {
    const key = podKey(pod);
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
  }

  /** The next pod to schedule; waits while activeQ is empty. Undefined once closed or aborted. */
  async pop(signal?: AbortSignal): Promise<QueuedPodInfo | undefined> {
    for (;;) {
      if (this.closed || signal?.aborted) return undefined;
      const q = this.active.pop();
      if (q !== undefined) {
        q.attempts++;
        q.initialAttemptTimestamp ??= this.opts.clock.now();
        this.schedulingCycle++;
        this.inFlight.set(keyOf(q), q);
        return q;
      }
      await new Promise<void>((resolve) => {
        const onAbort = (): void => resolve();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
  }

  /** The cycle counter as of the last pop: pass it to addUnschedulable for the pod popped then. */
  currentCycle(): number {
    return this.schedulingCycle;
  }

  /** The popped pod was scheduled (assumed) or dropped: it leaves the queue for good. */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * The popped pod fits nowhere (or failed): back to unschedulablePods, or to backoffQ when an
   * event arrived since it was popped (or when it failed with an error rather than a rejection).
   */
  addUnschedulable(q: QueuedPodInfo, podCycle: number, plugins: Set<string>, error = false): void {
    const key = keyOf(q);
    const latest = this.inFlight.get(key);
    if (latest === undefined) return; // deleted meanwhile
    this.inFlight.delete(key);
    if (this.active.has(key) || this.backoff.has(key) || this.unschedulable.has(key)) return;
    const now = this.opts.clock.now();
    latest.timestamp = now;
    latest.seq = this.seq++;
    latest.unschedulablePlugins = plugins;
    latest.backoffExpiry = now + this.backoffDuration(latest.attempts);
    if (error || this.moveRequestCycle >= podCycle) this.backoff.push(latest);
    else this.unschedulable.set(key, latest);
  }

  /** A cluster event: pods it may help move to activeQ (or backoffQ while still backing off). */
  moveAllToActiveOrBackoff(event: ClusterEvent): void {
    for (const [key, q] of this.unschedulable) {
      if (!this.helps(q, event)) continue;
      this.unschedulable.delete(key);
      this.requeue(q);
    }
    this.moveRequestCycle = this.schedulingCycle;
  }

  pending(): PendingCounts {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size };
  }

  /** Where the pod is: 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined. */
  whereIs(key: string): 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined {
    if (this.active.has(key)) return 'active';
    if (this.backoff.has(key)) return 'backoff';
    if (this.unschedulable.has(key)) return 'unschedulable';
    if (this.inFlight.has(key)) return 'inFlight';
    return undefined;
  }

  /** Backoff after `attempts` failures: initial * 2^(attempts-1), at most max. */
  backoffDuration(attempts: number): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoffMs) return this.maxBackoffMs;
    }
    return d;
  }

  flushBackoffCompleted(): void {
    const now = this.opts.clock.now();
    let moved = false;
    for (let q = this.backoff.peek(); q !== undefined && q.backoffExpiry <= now; q = this.backoff.peek()) {
      this.backoff.pop();
      this.active.push(q);
      moved = true;
    }
    if (moved) this.wake();
  }

  flushUnschedulableLeftover(): void {
    const now = this.opts.clock.now();
    for (const [key, q] of this.unschedulable) {
      if (now - q.timestamp < this.maxInUnschedulableMs) continue;
      this.unschedulable.delete(key);
      this.requeue(q);
    }
  }

  private helps(q: QueuedPodInfo, event: ClusterEvent): boolean {
    if (q.unschedulablePlugins.size === 0) return true;
    for (const plugin of q.unschedulablePlugins) {
      const events = this.opts.pluginEvents?.(plugin);
      if (events === undefined || events.includes(event)) return true;
    }
    return false;
  }

  private requeue(q: QueuedPodInfo): void {
    if (q.backoffExpiry > this.opts.clock.now()) this.backoff.push(q);
    else {
      this.active.push(q);
      this.wake();
    }
  }

  private newQueued(pod: Pod): QueuedPodInfo {
    const now = this.opts.clock.now();
    return { podInfo: newPodInfo(pod), timestamp: now, enqueuedAt: now, seq: this.seq++, attempts: 0, unschedulablePlugins: new Set(), backoffExpiry: 0 };
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }
}
