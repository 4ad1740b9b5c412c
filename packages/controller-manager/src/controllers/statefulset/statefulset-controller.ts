// The StatefulSet controller: informers over statefulsets, pods, controllerrevisions and claims;
// handlers that map every change to the key of the set concerned; workers that run one
// StatefulSetControl pass per key. Pods are the set's when it controls them (ownerReferences);
// orphans whose labels and name fit are adopted, as kube-controller-manager does.
import type { ControllerRevision, KubeObject, PersistentVolumeClaim, Pod, StatefulSet } from '@kubemu/api';
import { selectorFromLabelSelector } from '@kubemu/api';
import { deletedObject, metaNamespaceKey, splitMetaNamespaceKey } from '@kubemu/client';
import type { EventRecorder, HandlerRegistration, RateLimitingQueue, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import { claimObjects, newQueue, recheckOwner, runQueueWorkers } from '../../controller-utils';
import { getControllerOf, isControlledBy } from './controller-history';
import { ordinalOf } from './stateful-pods';
import { CONTROLLER_REVISIONS, PODS, PVCS, STATEFULSETS, StatefulSetControl } from './stateful-set-control';

export class StatefulSetController implements Controller {
  readonly name = 'statefulset';
  private readonly queue: RateLimitingQueue<string>;
  private readonly sets: SharedInformer<StatefulSet>;
  private readonly pods: SharedInformer<Pod>;
  private readonly revisions: SharedInformer<ControllerRevision>;
  private readonly claims: SharedInformer<PersistentVolumeClaim>;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = newQueue(ctx);
    this.sets = ctx.informers.forResource<StatefulSet>(STATEFULSETS);
    this.pods = ctx.informers.forResource<Pod>(PODS);
    this.revisions = ctx.informers.forResource<ControllerRevision>(CONTROLLER_REVISIONS);
    this.claims = ctx.informers.forResource<PersistentVolumeClaim>(PVCS);
    this.recorder = ctx.recorder('statefulset-controller');
  }

  async run(signal: AbortSignal): Promise<void> {
    const regs: HandlerRegistration[] = [
      this.sets.addEventHandler({
        onAdd: (s) => this.enqueue(s),
        onUpdate: (_, s) => this.enqueue(s),
        onDelete: (s) => this.enqueue(deletedObject(s)),
      }),
      this.pods.addEventHandler({
        onAdd: (p) => this.enqueueOwner(p),
        onUpdate: (old, p) => {
          this.enqueueOwner(p);
          if (getControllerOf(old)?.uid !== getControllerOf(p)?.uid) this.enqueueOwner(old);
        },
        onDelete: (p) => this.enqueueOwner(deletedObject(p)),
      }),
      this.revisions.addEventHandler({
        onAdd: (r) => this.enqueueOwner(r),
        onUpdate: (_, r) => this.enqueueOwner(r),
        onDelete: (r) => this.enqueueOwner(deletedObject(r)),
      }),
    ];
    this.ctx.informers.start();
    const informers = [this.sets, this.pods, this.revisions, this.claims];
    await runQueueWorkers({ name: this.name, ctx: this.ctx, queue: this.queue, informers, sync: (key) => this.sync(key) }, signal);
    for (const r of regs) r.remove();
  }

  private enqueue(set: StatefulSet): void {
    this.queue.add(metaNamespaceKey(set));
  }

  /** The set controlling `obj`, or for an orphan pod every set whose selector matches it. */
  private enqueueOwner(obj: KubeObject): void {
    const ns = obj.metadata?.namespace ?? '';
    const ref = getControllerOf(obj);
    if (ref !== undefined) {
      if (ref.kind !== 'StatefulSet') return;
      const set = this.sets.lister().get(ns, ref.name);
      if (set !== undefined && set.metadata?.uid === ref.uid) this.enqueue(set);
      return;
    }
    if (obj.kind !== undefined && obj.kind !== 'Pod') return;
    for (const set of this.sets.lister().namespace(ns).list()) {
      if (matches(set, obj)) this.enqueue(set);
    }
  }

  private async sync(key: string): Promise<Error | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const set = this.sets.lister().get(namespace, name);
    if (set === undefined || set.metadata?.deletionTimestamp !== undefined) return;
    const uid = set.metadata?.uid;
    let selector;
    try {
      selector = selectorFromLabelSelector(set.spec?.selector);
    } catch {
      return; // validation keeps invalid selectors out; nothing to do until the spec changes
    }
    const sets = this.ctx.client.resource<StatefulSet>(STATEFULSETS).namespace(namespace);
    const candidates = this.pods.lister().namespace(namespace).list().filter((p) => isControlledBy(p, uid) || ordinalOf(set, p) !== undefined);
    const { claimed: pods, errors } = await claimObjects(candidates, {
      owner: set,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'StatefulSet',
      selector,
      client: this.ctx.client.resource<Pod>(PODS).namespace(namespace),
      canAdopt: () => recheckOwner(() => sets.get(name), set),
    });
    if (errors.length > 0) return errors[0];
    const revisions = this.revisions.lister().namespace(namespace).list().filter((r) => isControlledBy(r, uid));
    const control = new StatefulSetControl({
      client: this.ctx.client,
      recorder: this.recorder,
      clock: this.ctx.clock,
      claims: this.claims.lister(),
      requeueAfter: (ms) => this.queue.addAfter(key, ms),
    });
    return control.sync(set, pods, revisions);
  }
}

function matches(set: StatefulSet, obj: KubeObject): boolean {
  try {
    const sel = selectorFromLabelSelector(set.spec?.selector);
    return !sel.isEmpty() && sel.matches(obj.metadata?.labels ?? undefined);
  } catch {
    return false;
  }
}

export function newStatefulSetController(ctx: ControllerContext): Controller {
  return new StatefulSetController(ctx);
}
