// Every committed object change of this replica, published on core NATS for consumers outside the
// Kubernetes API (dashboard, chaos harness, federation status) as JSON {type, object} on
// `kubemu.<cluster>.<resource>.<namespace>` (`_` for cluster-scoped objects; the resource is the
// plural, the group is in the object's apiVersion).
//
// Fire and forget, at most once: a publish never waits and never fails the request that committed
// the change. While NATS is unreachable changes are dropped (and counted) rather than buffered
// without bound; consumers that need every change watch the Kubernetes API instead.
// Changes committed during one turn of the event loop go out together at its end
// (NatsLink.atEndOfTurn).
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
    const subject = changeSubject(this.cluster, c.info, c.object.metadata?.namespace);
    const payload = JSON.stringify({ type: c.type, object: c.object });
    this.link.atEndOfTurn(() => this.send(subject, payload, c.info.resource));
  }

  private send(subject: string, payload: string, resource: string): void {
    const conn = this.link.connection();
    if (isStatus(conn)) {
      this.dropped++;
      return;
    }
    try {
      conn.nc.publish(subject, payload);
      this.published++;
    } catch (err) {
      this.dropped++;
      this.log.debug('change not published', { err: String(err), resource });
    }
  }
}
