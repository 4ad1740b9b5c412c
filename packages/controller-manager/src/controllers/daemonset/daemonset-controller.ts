// The DaemonSet controller: one pod per eligible node, following nodes as they come and go and
// as their labels and taints change. Informers over daemonsets, nodes, pods and
// controllerrevisions; any node change enqueues every DaemonSet (each decides for itself).
// Expectations keep a sync from acting again before the pods it created or deleted are seen.
import type { ControllerRevision, DaemonSet, KubeObject, Node, Pod } from '@kubemu/api';
import { selectorFromLabelSelector } from '@kubemu/api';
import { ControllerExpectations, deletedObject, isAlreadyExists, isNotFound, metaNamespaceKey, splitMetaNamespaceKey } from '@kubemu/client';
import type { EventRecorder, HandlerRegistration, RateLimitingQueue, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import {
  PodControl,
  claimObjects,
  controllerRefOf,
  errorMessage,
  newControllerRef,
  newQueue,
  recheckOwner,
  runQueueWorkers,
  slowStartBatch,
} from '../../controller-utils';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  REVISION_HASH_LABEL,
  equalRevisions,
  isControlledBy,
  newControllerRevision,
  nextRevisionNumber,
  sortRevisions,
  stableStringify,
  templatePatch,
} from '../statefulset/controller-history';
import { daemonPodTemplate } from './daemon-placement';
import { planDaemonSet } from './daemon-plan';

const DAEMONSETS = { group: 'apps', version: 'v1', resource: 'daemonsets', namespaced: true } as const;
const NODES = { group: '', version: 'v1', resource: 'nodes', namespaced: false } as const;
const PODS = { group: '', version: 'v1', resource: 'pods', namespaced: true } as const;
const REVISIONS = { group: 'apps', version: 'v1', resource: 'controllerrevisions', namespaced: true } as const;

/** kube's deprecated per-generation label, still set on daemon pods. */
const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** kube's BurstReplicas: at most this many creations or deletions per sync. */
const BURST_REPLICAS = 250;

export class DaemonSetController implements Controller {
  readonly name = 'daemonset';
  private readonly queue: RateLimitingQueue<string>;
  private readonly sets: SharedInformer<DaemonSet>;
  private readonly nodes: SharedInformer<Node>;
  private readonly pods: SharedInformer<Pod>;
  private readonly revisions: SharedInformer<ControllerRevision>;
  private readonly recorder: EventRecorder;
  private readonly podControl: PodControl;
  private readonly expectations: ControllerExpectations;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = newQueue(ctx);
    this.sets = ctx.informers.forResource<DaemonSet>(DAEMONSETS);
    this.nodes = ctx.informers.forResource<Node>(NODES);
    this.pods = ctx.informers.forResource<Pod>(PODS);
    this.revisions = ctx.informers.forResource<ControllerRevision>(REVISIONS);
    this.recorder = ctx.recorder('daemonset-controller');
    this.podControl = new PodControl(ctx.client, this.recorder);
    this.expectations = new ControllerExpectations(ctx.clock);
  }

  async run(signal: AbortSignal): Promise<void> {
    const all = (): void => {
      for (const ds of this.sets.lister().list()) this.queue.add(metaNamespaceKey(ds));
    };
    const regs: HandlerRegistration[] = [
      this.sets.addEventHandler({
        onAdd: (ds) => this.queue.add(metaNamespaceKey(ds)),
        onUpdate: (_, ds) => this.queue.add(metaNamespaceKey(ds)),
        onDelete: (ds) => {
          const key = metaNamespaceKey(deletedObject(ds));
          this.expectations.deleteExpectations(key);
          this.queue.add(key);
        },
      }),
      this.nodes.addEventHandler({
        onAdd: all,
        onUpdate: (old, cur) => {
          if (nodeChanged(old, cur)) all();
        },
        onDelete: all,
      }),
      this.pods.addEventHandler({
        onAdd: (p) => {
          const key = this.ownerKey(p);
          if (key === undefined) return;
          if (p.metadata?.deletionTimestamp === undefined) this.expectations.creationObserved(key);
          this.queue.add(key);
        },
        onUpdate: (old, p) => {
          const key = this.ownerKey(p);
          if (key === undefined) return;
          if (old.metadata?.deletionTimestamp === undefined && p.metadata?.deletionTimestamp !== undefined) this.expectations.deletionObserved(key);
          this.queue.add(key);
        },
        onDelete: (obj) => {
          const p = deletedObject(obj);
          const key = this.ownerKey(p);
          if (key === undefined) return;
          if (p.metadata?.deletionTimestamp === undefined) this.expectations.deletionObserved(key);
          this.queue.add(key);
        },
      }),
    ];
    this.ctx.informers.start();
    const informers = [this.sets, this.nodes, this.pods, this.revisions];
    await runQueueWorkers({ name: this.name, ctx: this.ctx, queue: this.queue, informers, sync: (key) => this.sync(key) }, signal);
    for (const r of regs) r.remove();
  }

  private ownerKey(obj: KubeObject): string | undefined {
    const ref = controllerRefOf(obj);
    if (ref?.kind !== 'DaemonSet') return undefined;
    return `${obj.metadata?.namespace ?? ''}/${ref.name}`;
  }

  private async sync(key: string): Promise<Error | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const ds = this.sets.lister().get(namespace, name);
    if (ds === undefined) {
      this.expectations.deleteExpectations(key);
      return;
    }
    let selector;
    try {
      selector = selectorFromLabelSelector(ds.spec?.selector);
    } catch {
      return;
    }
    if (selector.isEmpty()) {
      this.recorder.eventf(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    if (ds.metadata?.deletionTimestamp !== undefined) return;
    const hash = await this.ensureRevision(ds);
    if (hash instanceof Error) return hash;
    const dsClient = this.ctx.client.resource<DaemonSet>(DAEMONSETS).namespace(namespace);
    const candidates = this.pods.lister().namespace(namespace).list();
    const { claimed, errors } = await claimObjects(candidates, {
      owner: ds,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'DaemonSet',
      selector,
      client: this.ctx.client.resource<Pod>(PODS).namespace(namespace),
      canAdopt: () => recheckOwner(() => dsClient.get(name), ds),
    });
    if (errors.length > 0) return errors[0];
    const plan = planDaemonSet(ds, this.nodes.lister().list(), claimed, hash, this.ctx.clock.wallNow());
    let err: Error | undefined;
    if (this.expectations.satisfiedExpectations(key)) err = await this.manage(ds, key, hash, plan.create, plan.delete);
    const statusErr = await this.updateStatus(ds, plan.status);
    return err ?? statusErr;
  }

  private async manage(ds: DaemonSet, key: string, hash: string, create: string[], del: Pod[]): Promise<Error | undefined> {
    const creates = create.slice(0, BURST_REPLICAS);
    const deletes = del.slice(0, BURST_REPLICAS);
    this.expectations.setExpectations(key, creates.length, deletes.length);
    const ns = ds.metadata?.namespace ?? '';
    const ref = newControllerRef(ds, 'apps/v1', 'DaemonSet');
    const labels = { [CONTROLLER_REVISION_HASH_LABEL]: hash, [POD_TEMPLATE_GENERATION_LABEL]: String(ds.metadata?.generation ?? 1) };
    let next = 0;
    const created = await slowStartBatch(creates.length, 1, async () => {
      const node = creates[next++] ?? '';
      const pod = await this.podControl.createPod(ns, daemonPodTemplate(ds, node, labels), ds, ref);
      if (pod instanceof Error) {
        this.expectations.creationObserved(key);
        return pod;
      }
      return undefined;
    });
    // Creations never attempted after a failed batch will never be observed either.
    const skipped = creates.length - next;
    if (skipped > 0) this.expectations.lowerExpectations(key, skipped, 0);
    const errors: Error[] = created.error ? [created.error] : [];
    await Promise.all(
      deletes.map(async (pod) => {
        const e = await this.podControl.deletePod(ns, pod.metadata?.name ?? '', ds);
        if (e !== undefined) {
          this.expectations.deletionObserved(key);
          if (!isNotFound(e)) errors.push(e);
        }
      }),
    );
    return errors[0];
  }

  /** The revision of the current template (created if new); returns its hash, the pods' label value. */
  private async ensureRevision(ds: DaemonSet): Promise<string | Error> {
    const ns = ds.metadata?.namespace ?? '';
    const revs = sortRevisions(this.revisions.lister().namespace(ns).list().filter((r) => isControlledBy(r, ds.metadata?.uid)));
    const data = templatePatch(ds.spec?.template);
    const equal = equalRevisions(revs, data);
    const existing = equal[equal.length - 1];
    const client = this.ctx.client.resource<ControllerRevision>(REVISIONS).namespace(ns);
    try {
      if (existing !== undefined) {
        if (existing !== revs[revs.length - 1]) await client.update({ ...structuredClone(existing), revision: nextRevisionNumber(revs) });
        await this.truncateHistory(ds, revs, existing);
        return existing.metadata?.labels?.[REVISION_HASH_LABEL] ?? '';
      }
      const fresh = newControllerRevision({ parent: ds, labels: ds.spec?.template?.metadata?.labels ?? {}, data, revision: nextRevisionNumber(revs), collisionCount: ds.status?.collisionCount ?? 0 });
      try {
        await client.create(fresh);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      return fresh.metadata?.labels?.[REVISION_HASH_LABEL] ?? '';
    } catch (err) {
      return new Error(`recording the revision of daemonset ${ds.metadata?.name ?? ''}: ${errorMessage(err)}`);
    }
  }

  /** Deletes the oldest revisions no pod uses, beyond revisionHistoryLimit. */
  private async truncateHistory(ds: DaemonSet, revs: ControllerRevision[], current: ControllerRevision): Promise<void> {
    const used = new Set(this.pods.lister().namespace(ds.metadata?.namespace ?? '').list().filter((p) => isControlledBy(p, ds.metadata?.uid)).map((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]));
    const history = revs.filter((r) => r !== current && !used.has(r.metadata?.labels?.[REVISION_HASH_LABEL]));
    const limit = ds.spec?.revisionHistoryLimit ?? 10;
    for (const old of history.slice(0, Math.max(0, history.length - limit))) {
      await this.ctx.client.resource<ControllerRevision>(REVISIONS).namespace(ds.metadata?.namespace ?? '').delete(old.metadata?.name ?? '').catch(() => undefined);
    }
  }

  private async updateStatus(ds: DaemonSet, status: NonNullable<DaemonSet['status']>): Promise<Error | undefined> {
    const next = { ...status, ...(ds.status?.collisionCount !== undefined ? { collisionCount: ds.status.collisionCount } : {}), ...(ds.status?.conditions ? { conditions: ds.status.conditions } : {}) };
    if (stableStringify(next) === stableStringify(ds.status ?? {})) return undefined;
    try {
      await this.ctx.client.resource<DaemonSet>(DAEMONSETS).namespace(ds.metadata?.namespace ?? '').updateStatus({ ...ds, status: next });
      return undefined;
    } catch (err) {
      return new Error(`updating status of daemonset ${ds.metadata?.name ?? ''}: ${errorMessage(err)}`);
    }
  }
}

/** Only what can change a node's eligibility matters: labels, taints, unschedulable, readiness. */
function nodeChanged(old: Node, cur: Node): boolean {
  return (
    stableStringify(old.metadata?.labels ?? {}) !== stableStringify(cur.metadata?.labels ?? {}) ||
    stableStringify(old.spec?.taints ?? []) !== stableStringify(cur.spec?.taints ?? []) ||
    (old.spec?.unschedulable ?? false) !== (cur.spec?.unschedulable ?? false)
  );
}

export function newDaemonSetController(ctx: ControllerContext): Controller {
  return new DaemonSetController(ctx);
}
