/**
 * Linearizable reads share ReadIndex rounds, as etcd's linearizableReadLoop does: a read waits
 * for a read index requested after it arrived, and every read that arrives while one round is
 * out joins the next round. Under load one round (one heartbeat exchange with a quorum) serves
 * many reads instead of one each.
 *
 * Invariant: a round's ReadIndex is requested only after all of its readers arrived, so the
 * index it confirms covers every write acknowledged before any of them started (thesis §6.4).
 */
import { deferred } from '@kubemu/base';
import type { Deferred } from '@kubemu/base';

export interface ReadIndexSource {
  /** Resolves with a commit index the leader confirmed for `ctx` (unique per round). */
  readIndex(ctx: Uint8Array): Promise<number>;
  /** Resolves once this member applied entries up to `index`. */
  waitApplied(index: number): Promise<void>;
}

export class LinearizableReads {
  /** The round new readers join; its ReadIndex is not requested yet. */
  private next: Deferred<void> | undefined;
  /** A round's ReadIndex is out (its readers may still wait for the apply after it). */
  private requesting = false;
  private seq = 0;

  constructor(
    private readonly memberId: number,
    private readonly source: ReadIndexSource,
    /** Maps the driver's errors (no leader, timeout, stopped) to what clients see. */
    private readonly mapError: (err: unknown) => unknown,
  ) {}

  /** Resolves once this member's state is at least as new as any write acknowledged before the call. */
  wait(): Promise<void> {
    let round = this.next;
    if (round === undefined) {
      this.next = round = deferred<void>();
      if (!this.requesting) this.startRound();
    }
    return round.promise;
  }

  private startRound(): void {
    const round = this.next;
    if (round === undefined) return;
    this.next = undefined;
    this.requesting = true;
    const ctx = Buffer.alloc(16);
    ctx.writeDoubleBE(this.memberId, 0);
    ctx.writeDoubleBE(++this.seq, 8);
    const index = this.source.readIndex(ctx);
    // The next round may be requested as soon as this one's index is known: readers that
    // arrived meanwhile need an index requested after them, not after this round's apply.
    const settled = (): void => {
      this.requesting = false;
      this.startRound();
    };
    index.then(settled, settled);
    index.then((i) => this.source.waitApplied(i)).then(
      () => round.resolve(),
      (err: unknown) => round.reject(this.mapError(err)),
    );
  }
}
