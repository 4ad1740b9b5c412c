/**
 * "No acknowledged write is lost", checked on its own terms (independently of the
 * linearizability search): for every key, the final value read after the run must be the effect
 * of the last acknowledged write W or of a write that may have come after it, i.e. one that had
 * not returned when W was invoked (an ok write, or an info write whose outcome is unknown).
 * A final value from a write that finished before W began means W was lost.
 */
import type { Operation } from '@kubemu/sim';

export interface LostWrite {
  key: string;
  final: string | null;
  lastAcked: Operation;
}

export function lostWrites(ops: readonly Operation[], finals: ReadonlyMap<string, string | null>): LostWrite[] {
  const lost: LostWrite[] = [];
  const byKey = new Map<string, Operation[]>();
  for (const op of ops) {
    if (op.input.type === 'get') continue;
    const list = byKey.get(op.input.key) ?? [];
    list.push(op);
    byKey.set(op.input.key, list);
  }
  for (const [key, writes] of byKey) {
    // A cas that answered false wrote nothing.
    const effective = writes.filter((w) => !(w.input.type === 'cas' && w.output !== undefined && 'ok' in w.output && !w.output.ok));
    const acked = effective.filter((w) => w.output !== undefined);
    if (acked.length === 0) continue;
    const last = acked.reduce((a, b) => (b.return > a.return ? b : a));
    const final = finals.get(key) ?? null;
    const candidates = effective.filter((w) => w === last || w.return > last.call);
    const explains = candidates.some((w) => (w.input.type === 'delete' ? final === null : 'value' in w.input && w.input.value === final));
    if (!explains) lost.push({ key, final, lastAcked: last });
  }
  return lost;
}
