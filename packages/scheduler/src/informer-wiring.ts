// How cluster changes reach the scheduler: the event handlers of kube-scheduler's
// eventhandlers.go. Pending pods this scheduler is responsible for go to the queue; bound pods and
// nodes go to the cache; changes that may make rejected pods fit move them back from
// unschedulablePods. Handlers do nothing slow: they update in-memory structures only.
import { selectorFromLabelSelector } from '@kubemu/api';
import type { KubeObject, LabelSelector, Namespace, Node, Pod, ReplicaSet, ReplicationController, Selector, Service, StatefulSet } from '@kubemu/api';
import { SharedInformer, deletedObject } from '@kubemu/client';
import type { Lister, ListOptions, RestClient, SharedInformerFactory, Syncable, WatchOptions } from '@kubemu/client';
import type { Clock, Logger, Rng } from '@kubemu/base';
import type { SchedulerCache } from './cache/scheduler-cache';
import type { Handle } from './framework/interfaces';
import type { PodInfo } from './framework/pod-info';
import type { SchedulingQueue } from './queue/scheduling-queue';

export const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true } as const;
const NODES = { group: '', version: 'v1', resource: 'nodes', namespaced: false } as const;
const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces', namespaced: false } as const;
const SERVICES = { group: '', version: 'v1', resource: 'services', namespaced: true } as const;
const RCS = { group: '', version: 'v1', resource: 'replicationcontrollers', namespaced: true } as const;
const REPLICASETS = { group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true } as const;
const STATEFULSETS = { group: 'apps', version: 'v1', resource: 'statefulsets', namespaced: true } as const;

/** kube-scheduler's pod informer leaves out finished pods: they hold no resources. */
export const NON_TERMINAL_PODS = 'status.phase!=Succeeded,status.phase!=Failed';

export interface WiringOptions {
  client: RestClient;
  informers: SharedInformerFactory;
  clock: Clock;
  rng: Rng;
  log: Logger;
  cache: SchedulerCache;
  queue: SchedulingQueue;
  /** Whether this scheduler schedules `pod` (its spec.schedulerName). */
  responsibleFor(pod: Pod): boolean;
}

const assigned = (p: Pod): boolean => (p.spec?.nodeName ?? '') !== '';
const terminal = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** Node changes that can change a scheduling decision (heartbeat timestamps cannot). */
function schedulingPropertiesChanged(a: Node, b: Node): boolean {
  const view = (n: Node): string =>
    JSON.stringify([
      n.spec?.unschedulable ?? false,
      n.spec?.taints ?? [],
      n.metadata?.labels ?? {},
      n.status?.allocatable ?? {},
      (n.status?.conditions ?? []).map((c) => [c.type, c.status]),
    ]);
  return view(a) !== view(b);
}

export class InformerWiring implements Handle {
  readonly podInformer: SharedInformer<Pod>;
  private readonly syncables: Syncable[];
  private readonly namespaces: Lister<Namespace>;
  private readonly services: Lister<Service>;
  private readonly rcs: Lister<ReplicationController>;
  private readonly replicaSets: Lister<ReplicaSet>;
  private readonly statefulSets: Lister<StatefulSet>;

  constructor(private readonly o: WiringOptions) {
    const rc = o.client.resource<Pod>(PODS);
    const narrow = (opts: ListOptions | WatchOptions): ListOptions & WatchOptions => ({ ...opts, fieldSelector: NON_TERMINAL_PODS });
    this.podInformer = new SharedInformer<Pod>(
      { list: (opts) => rc.list(narrow(opts)), watch: (opts) => rc.watch(narrow(opts)) },
      { clock: o.clock, rng: o.rng.fork(), name: 'pods', logger: o.log },
    );
    this.podInformer.addEventHandler({
      onAdd: (p) => this.podAdded(p),
      onUpdate: (a, b) => this.podUpdated(a, b),
      onDelete: (p) => this.podDeleted(deletedObject(p)),
    });
    const nodes = o.informers.forResource<Node>(NODES);
    nodes.addEventHandler({
      onAdd: (n) => {
        o.cache.addNode(n);
        o.queue.moveAllToActiveOrBackoff('NodeAdd');
      },
      onUpdate: (a, b) => {
        o.cache.updateNode(b);
        if (schedulingPropertiesChanged(a, b)) o.queue.moveAllToActiveOrBackoff('NodeUpdate');
      },
      onDelete: (n) => o.cache.removeNode(deletedObject(n)),
    });
    const ns = o.informers.forResource<Namespace>(NAMESPACES);
    const svc = o.informers.forResource<Service>(SERVICES);
    const rcs = o.informers.forResource<ReplicationController>(RCS);
    const rss = o.informers.forResource<ReplicaSet>(REPLICASETS);
    const sss = o.informers.forResource<StatefulSet>(STATEFULSETS);
    this.namespaces = ns.lister();
    this.services = svc.lister();
    this.rcs = rcs.lister();
    this.replicaSets = rss.lister();
    this.statefulSets = sss.lister();
    this.syncables = [this.podInformer, nodes, ns, svc, rcs, rss, sss];
  }

  /** Starts the pod informer (the factory's informers are started by whoever owns the factory). */
  start(): void {
    this.podInformer.start();
  }

  async stop(): Promise<void> {
    await this.podInformer.stop();
  }

  informers(): Syncable[] {
    return this.syncables;
  }

  // ---- Handle ------------------------------------------------------------------------------

  namespaceLabels(ns: string): Readonly<Record<string, string>> | undefined {
    return this.namespaces.get('', ns)?.metadata?.labels ?? undefined;
  }

  defaultSelector(pod: PodInfo): Selector {
    const ns = pod.pod.metadata?.namespace ?? '';
    const labels = pod.pod.metadata?.labels ?? {};
    const matchLabels: Record<string, string> = {};
    const matchExpressions: NonNullable<LabelSelector['matchExpressions']> = [];
    let any = false;
    const selects = (sel: Record<string, string> | undefined): sel is Record<string, string> =>
      sel !== undefined && Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v);
    for (const s of this.services.namespace(ns).list()) {
      const sel = s.spec?.selector ?? undefined;
      if (selects(sel)) {
        Object.assign(matchLabels, sel);
        any = true;
      }
    }
    for (const r of this.rcs.namespace(ns).list()) {
      const sel = r.spec?.selector ?? undefined;
      if (selects(sel)) {
        Object.assign(matchLabels, sel);
        any = true;
      }
    }
    const controllers: KubeObject[] = [...this.replicaSets.namespace(ns).list(), ...this.statefulSets.namespace(ns).list()];
    for (const c of controllers) {
      const sel = (c.spec as { selector?: LabelSelector } | undefined)?.selector;
      if (sel == null) continue;
      let parsed: Selector;
      try {
        parsed = selectorFromLabelSelector(sel);
      } catch {
        continue;
      }
      if (parsed.isEmpty() || !parsed.matches(labels)) continue;
      Object.assign(matchLabels, sel.matchLabels ?? {});
      matchExpressions.push(...(sel.matchExpressions ?? []));
      any = true;
    }
    if (!any) return selectorFromLabelSelector({});
    return selectorFromLabelSelector({ matchLabels, matchExpressions });
  }

  // ---- pods --------------------------------------------------------------------------------

  private podAdded(pod: Pod): void {
    const { cache, queue } = this.o;
    if (terminal(pod)) return;
    if (assigned(pod)) {
      cache.addPod(pod);
      queue.moveAllToActiveOrBackoff('AssignedPodAdd');
    } else if (this.o.responsibleFor(pod) && pod.metadata?.deletionTimestamp == null) {
      queue.add(pod);
    }
  }

  private podUpdated(oldPod: Pod, pod: Pod): void {
    const { cache, queue } = this.o;
    if (terminal(pod)) {
      // A finished pod frees its node (the field selector usually turns this into a delete).
      this.podDeleted(oldPod);
      return;
    }
    if (assigned(pod)) {
      if (!assigned(oldPod)) queue.delete(pod);
      cache.updatePod(pod);
      if (JSON.stringify(oldPod.metadata?.labels ?? {}) !== JSON.stringify(pod.metadata?.labels ?? {})) queue.moveAllToActiveOrBackoff('AssignedPodUpdate');
      return;
    }
    if (!this.o.responsibleFor(pod)) return;
    if (pod.metadata?.deletionTimestamp != null) queue.delete(pod);
    else queue.update(oldPod, pod);
  }

  private podDeleted(pod: Pod): void {
    const { cache, queue } = this.o;
    if (assigned(pod)) {
      cache.removePod(pod);
      queue.moveAllToActiveOrBackoff('AssignedPodDelete');
    } else {
      queue.delete(pod);
    }
  }
}
