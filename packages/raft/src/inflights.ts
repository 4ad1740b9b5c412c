/**
 * Flow control for one follower in Replicate state: a bounded ring of the last index of every
 * MsgApp sent and not yet acknowledged. While the ring is full the leader stops sending entries
 * to that follower, which bounds both the memory the follower must buffer and the work lost when
 * the link drops. Acks free every slot up to the acknowledged index, because a follower
 * acknowledges a prefix of the log.
 */
export class Inflights {
  private buffer: number[] = [];
  private start = 0;
  private size = 0;

  constructor(readonly capacity: number) {}

  get count(): number {
    return this.size;
  }

  full(): boolean {
    return this.size >= this.capacity;
  }

  /** Records a MsgApp whose last entry is `lastIndex`; indexes must be added in increasing order. */
  add(lastIndex: number): void {
    if (this.full()) throw new Error('inflights: cannot add into a full window');
    let slot = this.start + this.size;
    if (slot >= this.capacity) slot -= this.capacity;
    this.buffer[slot] = lastIndex;
    this.size++;
  }

  /** Frees every message whose last index is at or below `to`. */
  freeLE(to: number): void {
    while (this.size > 0 && (this.buffer[this.start] as number) <= to) {
      this.start++;
      if (this.start >= this.capacity) this.start = 0;
      this.size--;
    }
    if (this.size === 0) this.start = 0;
  }

  /** Frees the oldest message; used when a heartbeat response proves the follower is alive. */
  freeFirstOne(): void {
    if (this.size > 0) this.freeLE(this.buffer[this.start] as number);
  }

  reset(): void {
    this.start = 0;
    this.size = 0;
  }
}
