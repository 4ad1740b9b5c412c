// The serviceaccount controller: every active namespace has a ServiceAccount named "default"
// (pods are admitted only once it exists). A deleted one is recreated; a terminating namespace
// gets none. Tokens are not minted here: pods get bound tokens through TokenRequest.
import { mustFindResource } from '@kubemu/api';
import type { Namespace, ServiceAccount } from '@kubemu/api';
import { deletedObject, isAlreadyExists, isNotFound } from '@kubemu/client';
import type { Lister, RateLimitingQueue, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import { hasStatusCause, newQueue, runQueueWorkers } from '../../controller-utils';


export const NAMESPACES = mustFindResource('', 'namespaces');
export const SERVICE_ACCOUNTS = mustFindResource('', 'serviceaccounts');

/** The accounts every namespace gets (ServiceAccountsControllerOptions.ServiceAccounts). */
export const SERVICE_ACCOUNTS_TO_ENSURE: readonly string[] = ['default'];

export class ServiceAccountsController implements Controller {
  readonly name = 'serviceaccount';
  readonly queue: RateLimitingQueue<string>;
  private readonly namespaces: SharedInformer<Namespace>;
  private readonly nsLister: Lister<Namespace>;
  private readonly accounts: SharedInformer<ServiceAccount>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = newQueue(ctx);
    this.namespaces = ctx.informers.forResource<Namespace>(NAMESPACES);
    this.nsLister = this.namespaces.lister();
    this.accounts = ctx.informers.forResource<ServiceAccount>(SERVICE_ACCOUNTS);
    this.namespaces.addEventHandler({
      onAdd: (ns) => this.queue.add(ns.metadata?.name ?? ''),
      onUpdate: (_o, ns) => this.queue.add(ns.metadata?.name ?? ''),
    });
    this.accounts.addEventHandler({
      onDelete: (obj) => {
        const sa = deletedObject(obj);
        if (SERVICE_ACCOUNTS_TO_ENSURE.includes(sa.metadata?.name ?? '')) this.queue.add(sa.metadata?.namespace ?? '');
      },
    });
  }

  run(signal: AbortSignal): Promise<void> {
    return runQueueWorkers({ name: this.name, ctx: this.ctx, queue: this.queue, informers: [this.namespaces, this.accounts], sync: (k) => this.syncNamespace(k) }, signal);
  }

  async syncNamespace(name: string): Promise<Error | void> {
    const ns = this.nsLister.get('', name);
    if (ns === undefined) return;
    // Only active namespaces: a terminating one is emptied, not refilled.
    if ((ns.status?.phase ?? 'Active') !== 'Active' || ns.metadata?.deletionTimestamp !== undefined) return;
    const client = this.ctx.client.resource<ServiceAccount>(SERVICE_ACCOUNTS).namespace(name);
    for (const sa of SERVICE_ACCOUNTS_TO_ENSURE) {
      if (this.accounts.lister().get(name, sa) !== undefined) continue;
      try {
        await client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa } });
      } catch (err) {
        if (isAlreadyExists(err) || isNotFound(err) || hasStatusCause(err, 'NamespaceTerminating')) continue;
        return err as Error;
      }
    }
  }
}

export const newServiceAccountsController = (ctx: ControllerContext): Controller => new ServiceAccountsController(ctx);
