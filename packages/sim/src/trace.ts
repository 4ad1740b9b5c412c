import type { Message } from '@kubemu/raft';

/**
 * The run's trace: every event the simulation performs is folded into a 32-bit FNV-1a hash, so
 * two runs of one seed can be compared byte for byte without keeping the events; with `verbose`
 * the events are also formatted as lines (the replay of a failing seed).
 */
export class Trace {
  private h = 0x811c9dc5;
  private count = 0;
  readonly lines: string[] = [];

  constructor(
    readonly verbose: boolean,
    private readonly sink?: (line: string) => void,
  ) {}

  /** Records one event: a kind and up to four numbers; `detail` is only evaluated when verbose. */
  event(time: number, kind: string, a = 0, b = 0, c = 0, d = 0, detail?: () => string): void {
    this.count++;
    this.mixNumber(time);
    for (let i = 0; i < kind.length; i++) this.mixByte(kind.charCodeAt(i) & 0xff);
    this.mixNumber(a);
    this.mixNumber(b);
    this.mixNumber(c);
    this.mixNumber(d);
    if (!this.verbose) return;
    const line = `t=${time} ${kind} ${a} ${b} ${c} ${d}${detail ? ' ' + detail() : ''}`;
    if (this.sink) this.sink(line);
    else this.lines.push(line);
  }

  /** A free-form note that is part of the hash (use sparingly: it costs a string). */
  note(time: number, text: string): void {
    this.event(time, text);
  }

  hash(): string {
    return (this.h >>> 0).toString(16).padStart(8, '0') + ':' + this.count.toString(16);
  }

  private mixNumber(n: number): void {
    // Numbers in the trace are integers below 2^53; fold the low and high 32-bit halves.
    const lo = n >>> 0;
    const hi = Math.floor(n / 0x100000000) >>> 0;
    this.mixByte(lo & 0xff);
    this.mixByte((lo >>> 8) & 0xff);
    this.mixByte((lo >>> 16) & 0xff);
    this.mixByte(lo >>> 24);
    if (hi !== 0) this.mixByte(hi & 0xff);
  }

  private mixByte(b: number): void {
    this.h = Math.imul(this.h ^ b, 0x01000193) >>> 0;
  }
}

const MSG_TYPES = [
  'MsgProp', 'MsgApp', 'MsgAppResp', 'MsgVote', 'MsgVoteResp', 'MsgPreVote', 'MsgPreVoteResp', 'MsgSnap',
  'MsgHeartbeat', 'MsgHeartbeatResp', 'MsgTransferLeader', 'MsgTimeoutNow', 'MsgReadIndex', 'MsgReadIndexResp',
];

export function msgCode(m: Message): number {
  return MSG_TYPES.indexOf(m.type);
}

export function describeMessage(m: Message): string {
  const ents = m.entries.length > 0 ? ` ents=${m.entries[0]?.index}..${m.entries[m.entries.length - 1]?.index}` : '';
  const snap = m.snapshot ? ` snap=${m.snapshot.metadata.index}@${m.snapshot.metadata.term}` : '';
  return `${m.type} ${m.from}->${m.to} term=${m.term} logTerm=${m.logTerm} index=${m.index} commit=${m.commit}${m.reject ? ' reject' : ''}${ents}${snap}`;
}
