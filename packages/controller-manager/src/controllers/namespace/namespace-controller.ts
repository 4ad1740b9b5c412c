// The namespace controller: a namespace being deleted (deletionTimestamp set, phase Terminating)
// is emptied of every namespaced resource the API serves, then finalized (the "kubernetes"
// finalizer removed from spec.finalizers), after which the apiserver removes it.
//
// Work on a namespace starts NAMESPACE_DELETION_GRACE_MS after its deletion is observed, so that
// other apiserver replicas and the store have seen it (and refuse new content) before listing.
// While content remains (pods terminating gracefully, objects held by finalizers) the namespace
// is looked at again after half the estimated time.
import { RESOURCES, mustFindResource } from '@kubemu/api';
import type { KubeObject, Namespace, Pod, ResourceInfo } from '@kubemu/api';
import { ApiError, isConflict, isNotFound } from '@kubemu/client';
import type { RateLimitingQueue, ResourceClient, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import { errorMessage, newQueue, runQueueWorkers } from '../../controller-utils';
import { failingConditions, updateConditions } from './namespace-conditions';
import type { ContentTotals } from './namespace-conditions';

export const NAMESPACES = mustFindResource('', 'namespaces');
export const FINALIZER_KUBERNETES = 'kubernetes';
/** namespaceDeletionGracePeriod. */
export const NAMESPACE_DELETION_GRACE_MS = 5_000;
/** finalizerEstimateSeconds: how long to wait for objects held by finalizers before looking again. */
const FINALIZER_ESTIMATE_SECONDS = 15;

/** Namespaced resources that can be listed and deleted, one version per group/resource. */
export function deletableResources(): ResourceInfo[] {
  const seen = new Set<string>();
  return RESOURCES.filter((r) => {
    const key = `${r.group}/${r.resource}`;
    if (!r.namespaced || !r.verbs.includes('delete') || !r.verbs.includes('list') || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const isMethodNotSupported = (err: unknown): boolean => err instanceof ApiError && (err.httpStatus === 405 || err.reason === 'MethodNotAllowed');

export class NamespaceController implements Controller {
  readonly name = 'namespace';
  readonly queue: RateLimitingQueue<string>;
  private readonly namespaces: SharedInformer<Namespace>;
  private readonly nsClient: ResourceClient<Namespace>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = newQueue(ctx);
    this.namespaces = ctx.informers.forResource<Namespace>(NAMESPACES);
    this.nsClient = ctx.client.resource<Namespace>(NAMESPACES);
    const enqueue = (ns: Namespace): void => {
      if (ns.metadata?.deletionTimestamp === undefined) return;
      this.queue.addAfter(ns.metadata.name ?? '', NAMESPACE_DELETION_GRACE_MS);
    };
    this.namespaces.addEventHandler({ onAdd: enqueue, onUpdate: (_o, ns) => enqueue(ns) });
  }

  run(signal: AbortSignal): Promise<void> {
    return runQueueWorkers({ name: this.name, ctx: this.ctx, queue: this.queue, informers: [this.namespaces], sync: (k) => this.sync(k) }, signal);
  }

  async sync(name: string): Promise<Error | void> {
    let ns: Namespace;
    try {
      ns = await this.nsClient.get(name);
    } catch (err) {
      return isNotFound(err) ? undefined : (err as Error);
    }
    if (ns.metadata?.deletionTimestamp === undefined) return;
    this.ctx.log.debug('syncing terminating namespace', { namespace: name });
    try {
      ns = await this.ensureTerminating(ns);
      if (((ns.spec?.finalizers ?? []) as string[]).length === 0) return this.removeIfFinalized(ns);
      const { estimateSeconds, totals } = await this.deleteAllContent(ns);
      const now = this.ctx.clock.wallNow();
      this.ctx.log.debug('namespace content pass done', { namespace: name, estimateSeconds, errors: totals.errors.map((e) => e.message) });
      if (updateConditions(ns, failingConditions(totals, now), now)) ns = await this.nsClient.updateStatus(ns);
      if (totals.errors.length > 0) return new Error(`failed to delete all content of namespace ${name}: ${totals.errors.map((e) => e.message).join(', ')}`);
      if (estimateSeconds > 0) {
        // Content is on its way out (graceful pod termination, finalizers): look again later.
        this.queue.addAfter(name, (Math.floor(estimateSeconds / 2) + 1) * 1000);
        return;
      }
      await this.finalize(ns);
    } catch (err) {
      if (isNotFound(err)) return;
      return err as Error;
    }
  }

  /** Phase Terminating (updateNamespaceStatusFunc). */
  private async ensureTerminating(ns: Namespace): Promise<Namespace> {
    if (ns.status?.phase === 'Terminating') return ns;
    const next = structuredClone(ns);
    next.status = { ...next.status, phase: 'Terminating' };
    return this.nsClient.updateStatus(next);
  }

  /** Removes our finalizer; the apiserver deletes the namespace once no finalizer is left. */
  private async finalize(ns: Namespace): Promise<void> {
    let current = ns;
    for (;;) {
      const next = structuredClone(current);
      next.spec = { ...next.spec, finalizers: ((current.spec?.finalizers ?? []) as string[]).filter((f) => f !== FINALIZER_KUBERNETES).sort() };
      try {
        const out = await this.nsClient.updateSubresource<Namespace>(current.metadata?.name ?? '', 'finalize', next);
        await this.removeIfFinalized(out);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
        current = await this.nsClient.get(current.metadata?.name ?? '');
      }
    }
  }

  /** A finalized namespace that still exists with no finalizer at all is deleted again to let it go. */
  private async removeIfFinalized(ns: Namespace): Promise<void> {
    if (((ns.spec?.finalizers ?? []) as string[]).length > 0 || (ns.metadata?.finalizers ?? []).length > 0) return;
    let fresh: Namespace;
    try {
      fresh = await this.nsClient.get(ns.metadata?.name ?? '');
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (fresh.metadata?.uid !== ns.metadata?.uid) return;
    if (((fresh.spec?.finalizers ?? []) as string[]).length > 0 || (fresh.metadata?.finalizers ?? []).length > 0) return;
    try {
      await this.nsClient.delete(fresh.metadata?.name ?? '', { preconditions: { uid: fresh.metadata?.uid ?? '' } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** One pass over every deletable resource: delete, then count what is left. */
  private async deleteAllContent(ns: Namespace): Promise<{ estimateSeconds: number; totals: ContentTotals }> {
    const name = ns.metadata?.name ?? '';
    const totals: ContentTotals = { remaining: new Map(), finalizers: new Map(), errors: [] };
    let estimate = 0;
    const deletedAt = Date.parse(ns.metadata?.deletionTimestamp ?? '');
    for (const info of deletableResources()) {
      try {
        estimate = Math.max(estimate, await this.deleteAllOf(info, name, deletedAt, totals));
      } catch (err) {
        totals.errors.push(new Error(`${info.resource}.${info.group}: ${errorMessage(err)}`));
      }
    }
    return { estimateSeconds: estimate, totals };
  }

  /** deleteAllContentForGroupVersionResource: the estimate (seconds) until what is left goes. */
  private async deleteAllOf(info: ResourceInfo, ns: string, deletedAt: number, totals: ContentTotals): Promise<number> {
    const client = this.ctx.client.resource<KubeObject>(info).namespace(ns);
    let estimate = 0;
    if (info.group === '' && info.resource === 'pods') estimate = await this.podsEstimate(client as ResourceClient<Pod>, deletedAt);
    let collectionDone = false;
    if (info.verbs.includes('deletecollection')) {
      try {
        await client.deleteCollection({}, { propagationPolicy: 'Background' });
        collectionDone = true;
      } catch (err) {
        if (!isMethodNotSupported(err) && !isNotFound(err)) throw err;
      }
    }
    if (!collectionDone) {
      for (const item of (await client.listAll()).items) {
        try {
          await client.delete(item.metadata?.name ?? '', { propagationPolicy: 'Background' });
        } catch (err) {
          if (!isNotFound(err) && !isMethodNotSupported(err)) throw err;
        }
      }
    }
    const left = (await client.listAll()).items;
    if (left.length === 0) return estimate;
    totals.remaining.set(`${info.resource}.${info.group}`, left.length);
    let withFinalizers = false;
    for (const item of left) {
      for (const f of item.metadata?.finalizers ?? []) {
        withFinalizers = true;
        totals.finalizers.set(f, (totals.finalizers.get(f) ?? 0) + 1);
      }
    }
    if (estimate > 0) return estimate;
    if (withFinalizers) return FINALIZER_ESTIMATE_SECONDS;
    throw new Error(`unexpected items still remain in namespace: ${ns} for gvr: ${info.group}/${info.version}, Resource=${info.resource}`);
  }

  /** The longest grace period of the namespace's running pods, unless that long has passed since the deletion. */
  private async podsEstimate(client: ResourceClient<Pod>, deletedAt: number): Promise<number> {
    let estimate = 0;
    for (const p of (await client.listAll()).items) {
      const phase = p.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      estimate = Math.max(estimate, p.metadata?.deletionGracePeriodSeconds ?? p.spec?.terminationGracePeriodSeconds ?? 0);
    }
    if (Number.isFinite(deletedAt) && this.ctx.clock.wallNow() - deletedAt >= estimate * 1000) return 0;
    return estimate;
  }
}

export const newNamespaceController = (ctx: ControllerContext): Controller => new NamespaceController(ctx);
