// The endpoints controller: for every Service with a selector, an Endpoints object of the same
// name listing the selected pods' addresses (ready and not ready) and ports. Services without a
// selector are left alone, so hand-written Endpoints (external services) stay as written.
import { mustFindResource, selectorFromLabelSelector } from '@kubemu/api';
import type { KubeObject } from '@kubemu/api';
import { deletedObject, isNotFound, metaNamespaceKey, splitMetaNamespaceKey } from '@kubemu/client';
import type { DeletedFinalStateUnknown, EventRecorder, Lister, RateLimitingQueue, ResourceClient, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import { PODS, errorMessage, hasStatusCause, isPodReady, newQueue, runQueueWorkers } from '../../controller-utils';
import { computeSubsets, subsetsEqual } from './endpoint-subsets';
import type { Endpoints, Pod, Service } from './types';


export const SERVICES = mustFindResource('', 'services');
export const ENDPOINTS = mustFindResource('', 'endpoints');
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** The selector of a Service, or undefined when it has none (a map; empty selects nothing here). */
function serviceSelects(svc: Service, pod: Pod): boolean {
  const sel = svc.spec?.selector;
  if (sel === undefined || Object.keys(sel).length === 0) return false;
  return selectorFromLabelSelector({ matchLabels: sel }).matches(pod.metadata?.labels ?? undefined);
}

/** What of a pod the endpoints depend on; a change elsewhere (e.g. container status) needs no sync. */
function endpointView(p: Pod): string {
  return JSON.stringify([
    p.status?.podIP ?? '',
    p.status?.podIPs ?? [],
    p.spec?.nodeName ?? '',
    p.spec?.hostname ?? '',
    p.spec?.subdomain ?? '',
    isPodReady(p),
    p.status?.phase ?? '',
    p.metadata?.deletionTimestamp ?? '',
    (p.spec?.containers ?? []).map((c) => c.ports ?? []),
  ]);
}

export class EndpointsController implements Controller {
  readonly name = 'endpoint';
  readonly queue: RateLimitingQueue<string>;
  private readonly services: SharedInformer<Service>;
  private readonly serviceLister: Lister<Service>;
  private readonly pods: SharedInformer<Pod>;
  private readonly endpoints: SharedInformer<Endpoints>;
  private readonly client: ResourceClient<Endpoints>;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = newQueue(ctx);
    this.services = ctx.informers.forResource<Service>(SERVICES);
    this.serviceLister = this.services.lister();
    this.pods = ctx.informers.forResource<Pod>(PODS);
    this.endpoints = ctx.informers.forResource<Endpoints>(ENDPOINTS);
    this.client = ctx.client.resource<Endpoints>(ENDPOINTS);
    this.recorder = ctx.recorder('endpoint-controller');
    this.services.addEventHandler({
      onAdd: (s) => this.enqueue(s),
      onUpdate: (_o, s) => this.enqueue(s),
      onDelete: (s) => this.enqueue(deletedObject(s)),
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.enqueueServicesOf(p),
      onUpdate: (old, cur) => this.updatePod(old, cur),
      onDelete: (p) => this.enqueueServicesOf(deletedObject(p)),
    });
    // A deleted Endpoints of a selector Service is recreated.
    this.endpoints.addEventHandler({ onDelete: (e: Endpoints | DeletedFinalStateUnknown<Endpoints>) => this.enqueue(deletedObject(e)) });
  }

  run(signal: AbortSignal): Promise<void> {
    return runQueueWorkers({ name: this.name, ctx: this.ctx, queue: this.queue, informers: [this.services, this.pods, this.endpoints], sync: (k) => this.sync(k) }, signal);
  }

  private enqueue(obj: KubeObject): void {
    this.queue.add(metaNamespaceKey(obj));
  }

  private enqueueServicesOf(pod: Pod): void {
    for (const s of this.serviceLister.namespace(pod.metadata?.namespace ?? '').list()) if (serviceSelects(s, pod)) this.enqueue(s);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (labelsChanged) {
      this.enqueueServicesOf(old);
      this.enqueueServicesOf(cur);
      return;
    }
    if (endpointView(old) !== endpointView(cur)) this.enqueueServicesOf(cur);
  }

  async sync(key: string): Promise<Error | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const svc = this.serviceLister.get(namespace, name);
    const client = this.client.namespace(namespace);
    if (svc === undefined) {
      // The Service is gone: so is its Endpoints object.
      try {
        await client.delete(name);
      } catch (err) {
        if (!isNotFound(err)) return err as Error;
      }
      return;
    }
    if (svc.spec?.selector === undefined || svc.spec.selector === null) return;
    const selector = selectorFromLabelSelector({ matchLabels: svc.spec.selector });
    const pods = this.pods.lister().namespace(namespace).list(selector);
    const subsets = computeSubsets(svc, pods);
    const current = this.endpoints.lister().get(namespace, name);
    const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
    delete labels[HEADLESS_LABEL];
    if (svc.spec.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
    if (current !== undefined && subsetsEqual(current.subsets, subsets) && JSON.stringify(sortKeys(current.metadata?.labels ?? {})) === JSON.stringify(sortKeys(labels))) return;
    const next: Endpoints =
      current === undefined
        ? { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace } }
        : structuredClone(current);
    const meta = (next.metadata ??= {});
    if (Object.keys(labels).length > 0) meta.labels = labels;
    else delete meta.labels;
    if (subsets.length > 0) next.subsets = subsets;
    else delete next.subsets;
    try {
      if (current === undefined) await client.create(next);
      else await client.update(next);
    } catch (err) {
      // A terminating namespace refuses new objects; its deletion removes the rest.
      if (hasStatusCause(err, 'NamespaceTerminating')) return;
      if (current === undefined) this.recorder.eventf(next, 'Warning', 'FailedToCreateEndpoint', 'Failed to create endpoint for service %s/%s: %s', namespace, name, errorMessage(err));
      else this.recorder.eventf(next, 'Warning', 'FailedToUpdateEndpoint', 'Failed to update endpoint %s/%s: %s', namespace, name, errorMessage(err));
      return err as Error;
    }
  }
}

function sortKeys(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export const newEndpointsController = (ctx: ControllerContext): Controller => new EndpointsController(ctx);
