// kube-scheduler's core metrics, in the Prometheus text format, without a client library: a few
// counters, gauges and one histogram are all the scheduler exports.

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

class Family {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
  ) {}

  add(labels: Labels, n = 1): void {
    const k = labelText(labels);
    const v = this.values.get(k);
    if (v === undefined) this.values.set(k, { labels, value: n });
    else v.value += n;
  }

  set(labels: Labels, n: number): void {
    this.values.set(labelText(labels), { labels, value: n });
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join('\n');
  }
}

class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, seconds: number): void {
    const k = labelText(labels);
    let s = this.series.get(k);
    if (s === undefined) this.series.set(k, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (seconds <= this.buckets[i]!) s.counts[i]!++;
    s.sum += seconds;
    s.count++;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines.join('\n');
  }
}

const exponential = (start: number, factor: number, n: number): number[] => Array.from({ length: n }, (_, i) => start * factor ** i);

export class SchedulerMetrics {
  readonly scheduleAttempts = new Family('scheduler_schedule_attempts_total', 'Number of attempts to schedule pods, by the result.', 'counter');
  readonly pendingPods = new Family('scheduler_pending_pods', 'Number of pending pods, by the queue type.', 'gauge');
  readonly leader = new Family('leader_election_master_status', 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.', 'gauge');
  readonly attemptDuration = new Histogram('scheduler_scheduling_attempt_duration_seconds', 'Scheduling attempt latency in seconds (scheduling algorithm + binding)', exponential(0.001, 2, 15));
  readonly e2eDuration = new Histogram('scheduler_pod_scheduling_sli_duration_seconds', 'E2e latency for a pod being scheduled, from the time the pod enters the scheduling queue.', exponential(0.01, 2, 20));

  render(): string {
    return [this.scheduleAttempts, this.pendingPods, this.leader, this.attemptDuration, this.e2eDuration].map((m) => m.render()).join('\n') + '\n';
  }
}
