// Store compaction every --etcd-compaction-interval, as kube-apiserver does it: each replica tries
// to bump the version of the key `compact_rev_key` from the version it last saw; the one that
// succeeds compacts to the revision it recorded one interval earlier. So exactly one replica
// compacts per interval, and the store always keeps at least one interval of history (which is
// what lets a watch resume from a recent resourceVersion; older ones get 410 Expired).
import type { Clock, Logger, Timer } from '@kubemu/base';
import type { EtcdClient } from '@kubemu/kvstore';
import { bytes } from './object-store';

export const COMPACT_REV_KEY = 'compact_rev_key';

export class Compactor {
  private lastVersion = 0;
  private lastRevision = 0;
  private timer: Timer | undefined;
  private stopped = false;

  constructor(
    private readonly client: EtcdClient,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly log: Pick<Logger, 'info' | 'warn'>,
  ) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** One round; exposed for tests. Returns the revision compacted to, if this replica compacted. */
  async tick(): Promise<number | undefined> {
    const key = bytes(COMPACT_REV_KEY);
    const res = await this.client.txn({
      compare: [{ key, target: 'VERSION', result: 'EQUAL', version: this.lastVersion }],
      success: [{ requestPut: { key, value: bytes(String(this.lastRevision)) } }],
      failure: [{ requestRange: { key } }],
    });
    const current = res.header.revision;
    let compacted: number | undefined;
    if (res.succeeded) {
      this.lastVersion += 1;
      if (this.lastRevision > 0) {
        try {
          await this.client.compact(this.lastRevision);
          compacted = this.lastRevision;
          this.log.info('compacted the store', { revision: this.lastRevision });
        } catch (err) {
          // Already compacted past it (another replica, or etcd's own compaction): fine.
          if (!String((err as Error).message).includes('compacted')) throw err;
        }
      }
    } else {
      this.lastVersion = res.responses[0]?.responseRange?.kvs[0]?.version ?? 0;
    }
    this.lastRevision = current;
    return compacted;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.tick().then(
        () => this.schedule(),
        (err: unknown) => {
          this.log.warn('compaction failed', { err: String(err) });
          this.schedule();
        },
      );
    }, this.intervalMs);
  }
}
