// The taint-eviction controller (kube's taint manager, --controllers name
// "taint-eviction-controller"): a pod on a node with NoExecute taints it does not tolerate is
// deleted at once; one that tolerates them for tolerationSeconds is deleted that long after the
// taint was added. Pods with no toleration of the not-ready / unreachable taints are treated as
// tolerating them for --default-not-ready/unreachable-toleration-seconds (the DefaultToleration-
// Seconds admission plugin adds exactly that on real clusters), so that a ReplicaSet replaces
// them elsewhere after 300 s. Before deleting, the pod gets the DisruptionTarget condition.
import type { Node, Pod } from '@kubemu/api';
import { deletedObject, isNotFound, metaNamespaceKey, rfc3339, splitMetaNamespaceKey } from '@kubemu/client';
import type { EventRecorder, HandlerRegistration, RateLimitingQueue, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import { ensureIndex, errorMessage, newQueue, parseTime, runQueueWorkers } from '../../controller-utils';
import { stableStringify } from '../statefulset/controller-history';
import { NODES, NODE_NAME_INDEX, PODS, nodeNameIndexFunc } from './node-lifecycle-controller';
import { TAINT_NOT_READY, TAINT_UNREACHABLE, tolerates } from './taints';
import type { Taint, Toleration } from './taints';

/** The pod's tolerations plus the default ones for not-ready/unreachable it lacks. */
export function withDefaultTolerations(tolerations: readonly Toleration[] | undefined, defaultSeconds: number): Toleration[] {
  const out = [...(tolerations ?? [])];
  for (const key of [TAINT_NOT_READY, TAINT_UNREACHABLE]) {
    const covered = out.some((t) => (t.effect === undefined || t.effect === '' || t.effect === 'NoExecute') && (t.key === key || (!t.key && t.operator === 'Exists')));
    if (!covered) out.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: defaultSeconds });
  }
  return out;
}

/**
 * When the pod must go, in wall ms: 0 for now (a taint is not tolerated), undefined for never
 * (every taint tolerated forever). `since(taint)` says when each taint was added.
 */
export function evictionTime(taints: readonly Taint[], tolerations: readonly Toleration[], since: (t: Taint) => number): number | undefined {
  let at: number | undefined;
  for (const taint of taints) {
    const matching = tolerations.filter((t) => tolerates(t, taint));
    if (matching.length === 0) return 0;
    const seconds = matching.reduce((min, t) => Math.min(min, t.tolerationSeconds === undefined || t.tolerationSeconds === null ? Infinity : Math.max(0, t.tolerationSeconds)), Infinity);
    if (seconds === Infinity) continue;
    const deadline = since(taint) + seconds * 1000;
    at = at === undefined ? deadline : Math.min(at, deadline);
  }
  return at;
}

export class TaintEvictionController implements Controller {
  readonly name = 'taint-eviction-controller';
  private readonly queue: RateLimitingQueue<string>;
  private readonly nodes: SharedInformer<Node>;
  private readonly pods: SharedInformer<Pod>;
  private readonly recorder: EventRecorder;
  /** When we first saw a taint without timeAdded, by node and taint. */
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = newQueue(ctx);
    this.nodes = ctx.informers.forResource<Node>(NODES);
    this.pods = ctx.informers.forResource<Pod>(PODS);
    ensureIndex(this.pods, NODE_NAME_INDEX, nodeNameIndexFunc);
    this.recorder = ctx.recorder('taint-eviction-controller');
  }

  async run(signal: AbortSignal): Promise<void> {
    const podsOn = (node: Node): void => {
      for (const p of this.pods.getIndexer().byIndex(NODE_NAME_INDEX, node.metadata?.name ?? '')) this.queue.add(metaNamespaceKey(p));
    };
    const regs: HandlerRegistration[] = [
      this.pods.addEventHandler({
        onAdd: (p) => {
          if (p.spec?.nodeName) this.queue.add(metaNamespaceKey(p));
        },
        onUpdate: (old, p) => {
          if (p.spec?.nodeName && (old.spec?.nodeName !== p.spec.nodeName || stableStringify(old.spec?.tolerations ?? []) !== stableStringify(p.spec?.tolerations ?? []))) this.queue.add(metaNamespaceKey(p));
        },
      }),
      this.nodes.addEventHandler({
        onAdd: podsOn,
        onUpdate: (old, n) => {
          if (stableStringify(noExecute(old)) !== stableStringify(noExecute(n))) podsOn(n);
        },
        onDelete: (n) => {
          const name = deletedObject(n).metadata?.name ?? '';
          for (const k of [...this.firstSeen.keys()]) if (k.startsWith(`${name}|`)) this.firstSeen.delete(k);
        },
      }),
    ];
    this.ctx.informers.start();
    await runQueueWorkers({ name: this.name, ctx: this.ctx, queue: this.queue, informers: [this.nodes, this.pods], sync: (key) => this.sync(key) }, signal);
    for (const r of regs) r.remove();
  }

  private async sync(key: string): Promise<Error | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const pod = this.pods.lister().get(namespace, name);
    if (pod === undefined || pod.metadata?.deletionTimestamp !== undefined || !pod.spec?.nodeName) return;
    const node = this.nodes.lister().get('', pod.spec.nodeName);
    if (node === undefined) return;
    const taints = noExecute(node);
    if (taints.length === 0) return;
    const now = this.ctx.clock.wallNow();
    const tolerations = withDefaultTolerations(pod.spec.tolerations, Math.round(this.ctx.options.podEvictionTimeoutMs / 1000));
    const since = (t: Taint): number => {
      const added = parseTime(t.timeAdded ?? undefined);
      if (added !== undefined) return added;
      const k = `${node.metadata?.name ?? ''}|${t.key}|${t.effect}`;
      if (!this.firstSeen.has(k)) this.firstSeen.set(k, now);
      return this.firstSeen.get(k) ?? now;
    };
    const at = evictionTime(taints, tolerations, since);
    if (at === undefined) return;
    if (at > now) {
      this.queue.addAfter(key, at - now);
      return;
    }
    return this.evict(pod);
  }

  private async evict(pod: Pod): Promise<Error | void> {
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const pods = this.ctx.client.resource<Pod>(PODS).namespace(ns);
    this.recorder.eventf(pod, 'Normal', 'TaintManagerEviction', 'Marking for deletion Pod %s', `${ns}/${name}`);
    const conditions = [
      ...(pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'),
      { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: rfc3339(this.ctx.clock.wallNow()) },
    ];
    try {
      await pods.updateStatus({ ...pod, status: { ...pod.status, conditions } });
      await pods.delete(name, { preconditions: { uid: pod.metadata?.uid ?? '' } });
    } catch (err) {
      if (isNotFound(err)) return;
      return new Error(`evicting pod ${ns}/${name}: ${errorMessage(err)}`);
    }
  }
}

function noExecute(node: Node): Taint[] {
  return (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
}

export function newTaintEvictionController(ctx: ControllerContext): Controller {
  return new TaintEvictionController(ctx);
}
