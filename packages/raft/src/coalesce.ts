import type { Entry, Message, NodeId } from './types';

/**
 * Shrinks one batch of outgoing messages (those of one Ready that leave together) without
 * changing what any receiver ends up doing. Under load a leader steps many proposals and acks
 * per Ready, and each one appends a MsgApp per follower; each MsgApp draws its own MsgAppResp.
 * Merging them cuts the messages (and the follower's answers) to about one per peer per Ready.
 *
 * Two rules, each applied only when the candidate message directly follows, among the messages
 * to the same peer, the one it is merged into (so nothing is reordered with respect to other
 * messages to that peer):
 *
 *  - MsgApp b is appended to MsgApp a (same sender and term) when b starts where a ends
 *    (b.index is a's last index and b.logTerm its term). A follower receiving the merged
 *    message ends in the state it reaches after a then b; its single answer acknowledges the
 *    last index, and an ack frees every inflight slot at or below it (Inflights.freeLE), so the
 *    leader's flow control is not confused. Only the number of answers changes, and losing
 *    answers is something Raft always tolerates. The merged data stays within maxBytes.
 *  - Of two successful MsgAppResp (same sender and term), only the higher index is kept: the
 *    leader ignores an ack that does not raise the follower's match (Progress.maybeUpdate).
 */
export function coalesceMessages(messages: Message[], maxBytes: number): Message[] {
  if (messages.length < 2) return messages;
  const out: Message[] = [];
  const lastTo = new Map<NodeId, number>();
  // MsgApps this call created by merging: their entries arrays are its own to extend in place
  // (the input messages, and the arrays they share with the core's log, are never modified).
  const owned = new Map<Message, number>();
  for (const m of messages) {
    const at = lastTo.get(m.to);
    const prev = at === undefined ? undefined : out[at];
    const merged = prev === undefined ? undefined : merge(prev, m, maxBytes, owned);
    if (at !== undefined && merged !== undefined) {
      out[at] = merged;
      continue;
    }
    lastTo.set(m.to, out.length);
    out.push(m);
  }
  return out;
}

/** `owned` maps each message this call created to the bytes of entry data it holds. */
function merge(a: Message, b: Message, maxBytes: number, owned: Map<Message, number>): Message | undefined {
  if (a.type !== b.type || a.from !== b.from || a.term !== b.term) return undefined;
  if (a.type === 'MsgAppResp') {
    if (a.reject || b.reject) return undefined;
    return b.index >= a.index ? b : a;
  }
  if (a.type !== 'MsgApp') return undefined;
  const last: Entry | undefined = a.entries[a.entries.length - 1];
  const lastIndex = last?.index ?? a.index;
  const lastTerm = last?.term ?? a.logTerm;
  if (b.index !== lastIndex || b.logTerm !== lastTerm) return undefined;
  const aBytes = owned.get(a) ?? dataBytes(a.entries);
  const bBytes = dataBytes(b.entries);
  if (b.entries.length > 0 && aBytes + bBytes > maxBytes) return undefined;
  const commit = Math.max(a.commit, b.commit);
  if (owned.has(a)) {
    for (const e of b.entries) a.entries.push(e);
    a.commit = commit;
    owned.set(a, aBytes + bBytes);
    return a;
  }
  const m: Message = { ...a, entries: [...a.entries, ...b.entries], commit };
  owned.set(m, aBytes + bBytes);
  return m;
}

function dataBytes(entries: readonly Entry[]): number {
  let n = 0;
  for (const e of entries) n += e.data.length;
  return n;
}
