// The root CA publisher: a ConfigMap kube-root-ca.crt in every namespace holding the cluster CA
// (ca.crt), so that pods can verify the apiserver. Kept as it should be: recreated when
// deleted, rewritten when changed.
import type { ConfigMap, Namespace } from '@kubemu/api';
import { mustFindResource } from '@kubemu/api';
import { deletedObject, isNotFound } from '@kubemu/client';
import type { Lister, RateLimitingQueue, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import { hasStatusCause, newQueue, runQueueWorkers } from '../../controller-utils';
import { NAMESPACES } from './serviceaccounts-controller';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

const CONFIGMAPS = mustFindResource('', 'configmaps');

export class RootCaCertPublisher implements Controller {
  readonly name = 'root-ca-cert-publisher';
  readonly queue: RateLimitingQueue<string>;
  private readonly namespaces: SharedInformer<Namespace>;
  private readonly configMaps: SharedInformer<ConfigMap>;
  private readonly cmLister: Lister<ConfigMap>;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly rootCa: string,
  ) {
    this.queue = newQueue(ctx);
    this.namespaces = ctx.informers.forResource<Namespace>(NAMESPACES);
    this.configMaps = ctx.informers.forResource<ConfigMap>(CONFIGMAPS);
    this.cmLister = this.configMaps.lister();
    this.namespaces.addEventHandler({
      onAdd: (ns) => this.queue.add(ns.metadata?.name ?? ''),
      onUpdate: (_o, ns) => this.queue.add(ns.metadata?.name ?? ''),
    });
    this.configMaps.addEventHandler({
      onUpdate: (_o, cm) => this.onConfigMap(cm),
      onDelete: (cm) => this.onConfigMap(deletedObject(cm)),
    });
  }

  private onConfigMap(cm: ConfigMap): void {
    if (cm.metadata?.name === ROOT_CA_CONFIGMAP) this.queue.add(cm.metadata.namespace ?? '');
  }

  run(signal: AbortSignal): Promise<void> {
    return runQueueWorkers({ name: this.name, ctx: this.ctx, queue: this.queue, informers: [this.namespaces, this.configMaps], sync: (k) => this.syncNamespace(k) }, signal);
  }

  async syncNamespace(ns: string): Promise<Error | void> {
    const namespace = this.namespaces.lister().get('', ns);
    if (namespace === undefined || namespace.metadata?.deletionTimestamp !== undefined) return;
    const client = this.ctx.client.resource<ConfigMap>(CONFIGMAPS).namespace(ns);
    const data = { 'ca.crt': this.rootCa };
    const cm = this.cmLister.get(ns, ROOT_CA_CONFIGMAP);
    try {
      if (cm === undefined) {
        await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data });
        return;
      }
      if (JSON.stringify(cm.data ?? {}) === JSON.stringify(data) && (cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION] ?? '') !== '') return;
      const next = structuredClone(cm);
      next.data = data;
      const meta = (next.metadata ??= {});
      meta.annotations = { ...meta.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION };
      await client.update(next);
    } catch (err) {
      // A namespace gone or terminating: nothing to publish into.
      if (isNotFound(err) || hasStatusCause(err, 'NamespaceTerminating')) return;
      return err as Error;
    }
  }
}

/** Needs the CA (from --root-ca-file or the kubeconfig); without one it publishes nothing. */
export const newRootCaCertPublisher = (ctx: ControllerContext): Controller => {
  const ca = ctx.options.rootCaPem;
  if (ca === undefined || ca === '') {
    return {
      name: 'root-ca-cert-publisher',
      run: (signal) => {
        ctx.log.warn('root-ca-cert-publisher: no CA known (neither --root-ca-file nor a kubeconfig certificate-authority); not publishing');
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      },
    };
  }
  return new RootCaCertPublisher(ctx, ca);
};
