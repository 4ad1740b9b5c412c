// Every committed object change of this replica, published on core NATS for consumers outside the
// Kubernetes API (dashboard, chaos harness, federation status) as JSON {type, object} on
// `kubemu.<cluster>.<resource>.<namespace>` (`_` for cluster-scoped objects; the resource is the
// plural, the group is in the object's apiVersion).
//
// Fire and forget, at most once: a publish never waits and never fails the request that committed
// the change. While NATS is unreachable changes are dropped (and counted) rather than buffered
// without bound; consumers that need every change watch the Kubernetes API instead.
import type { Logger } from '@kubemu/base';
import { isStatus } from '../http/status';
import type { CommittedChange } from '../registry/registry';
import type { NatsLink } from './nats-link';
import { changeSubject } from './subjects';

export class ChangePublisher {
  /** Changes not published because NATS was unreachable or refused them. */
  dropped = 0;
  published = 0;

  constructor(
    private readonly link: NatsLink,
    private readonly cluster: string,
    private readonly log: Logger,
  ) {}

  publish(c: CommittedChange): void {
    const conn = this.link.connection();
    if (isStatus(conn)) {
      this.dropped++;
      return;
    }
    try {
      conn.nc.publish(changeSubject(this.cluster, c.info, c.object.metadata?.namespace), JSON.stringify({ type: c.type, object: c.object }));
      this.published++;
    } catch (err) {
      this.dropped++;
      this.log.debug('change not published', { err: String(err), resource: c.info.resource });
    }
  }
}
