// One SharedInformer per resource for a whole process: every controller asking for pods gets
// the same informer, so the process holds one list+watch and one cache per resource.
import type { Clock, Logger, Rng } from '@kubemu/base';
import type { KubeObject } from '@kubemu/api';
import type { ListOptions, ObjectList, ResourceSpec, WatchOptions } from './resource-client';
import type { ListerWatcher } from './reflector';
import type { RestClient } from './rest-client';
import { SharedInformer, waitForCacheSync } from './shared-informer';
import type { Watch } from './watch';

export interface InformerFactoryOptions {
  clock: Clock;
  rng: Rng;
  logger?: Logger;
  /** Resync period given to informers (0: none), as informers.NewSharedInformerFactory's defaultResync. */
  defaultResyncMs?: number;
  /** Watch one namespace only (default: all). */
  namespace?: string;
  /** Narrows every list and watch, e.g. a field selector spec.nodeName=<node> for a kubelet. */
  tweakListOptions?: (opts: { labelSelector?: string; fieldSelector?: string }) => { labelSelector?: string; fieldSelector?: string };
  /** Passed to each reflector. */
  minWatchTimeoutSeconds?: number;
  pageSize?: number;
}

function resourceKey(spec: ResourceSpec): string {
  return `${spec.group}/${spec.version}/${spec.resource}`;
}

export class SharedInformerFactory {
  private readonly informers = new Map<string, SharedInformer<KubeObject>>();
  private started = false;

  constructor(
    private readonly client: RestClient,
    private readonly opts: InformerFactoryOptions,
  ) {}

  /** The informer of a resource, created on first request and started by the next start(). */
  forResource<T extends KubeObject>(spec: ResourceSpec): SharedInformer<T> {
    const key = resourceKey(spec);
    let inf = this.informers.get(key);
    if (inf === undefined) {
      inf = new SharedInformer<KubeObject>(this.listerWatcher(spec), {
        clock: this.opts.clock,
        rng: this.opts.rng.fork(),
        name: spec.resource,
        ...(this.opts.logger !== undefined ? { logger: this.opts.logger } : {}),
        ...(this.opts.defaultResyncMs !== undefined ? { resyncPeriodMs: this.opts.defaultResyncMs } : {}),
        ...(this.opts.minWatchTimeoutSeconds !== undefined ? { minWatchTimeoutSeconds: this.opts.minWatchTimeoutSeconds } : {}),
        ...(this.opts.pageSize !== undefined ? { pageSize: this.opts.pageSize } : {}),
      });
      this.informers.set(key, inf);
      if (this.started) inf.start();
    }
    return inf as unknown as SharedInformer<T>;
  }

  /** Starts every informer requested so far (and, from now on, each new one at once). */
  start(): void {
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
  }

  /** Waits for every informer requested so far; false if `signal` aborts first. */
  waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    return waitForCacheSync(signal, ...this.informers.values());
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  private listerWatcher(spec: ResourceSpec): ListerWatcher<KubeObject> {
    const base = this.client.resource<KubeObject>(spec);
    const rc = spec.namespaced && this.opts.namespace !== undefined ? base.namespace(this.opts.namespace) : base;
    const tweak = this.opts.tweakListOptions;
    const narrow = <O extends ListOptions | WatchOptions>(o: O): O => {
      if (tweak === undefined) return o;
      const t = tweak({ ...(o.labelSelector !== undefined ? { labelSelector: o.labelSelector } : {}), ...(o.fieldSelector !== undefined ? { fieldSelector: o.fieldSelector } : {}) });
      return { ...o, ...t };
    };
    return {
      list: (o: ListOptions): Promise<ObjectList<KubeObject>> => rc.list(narrow(o)),
      watch: (o: WatchOptions): Promise<Watch<KubeObject>> => rc.watch(narrow(o)),
    };
  }
}
