import type { Rng } from '@kubemu/base';
import type { KvInput, KvOutput, Operation } from './history';

/**
 * Histories of a real atomic key-value map, for testing the checker: every operation takes
 * effect at one instant (its linearization point) drawn inside its real-time interval, so the
 * history is linearizable by construction. Values are unique per write, which is what lets
 * `corruptOneRead` make a read stale beyond doubt.
 */
export interface GeneratorOptions {
  clients: number;
  keys: number;
  opsPerClient: number;
  /** Chance that an operation ends `info`; an info write takes effect or not, at random. */
  infoRate: number;
}

export function randomLinearizableHistory(rng: Rng, o: GeneratorOptions): Operation[] {
  const planned: { op: Operation; point: number; applies: boolean }[] = [];
  let id = 0;
  let valueSeq = 0;
  for (let c = 0; c < o.clients; c++) {
    let t = rng.int(10);
    for (let i = 0; i < o.opsPerClient; i++) {
      const key = `k${rng.int(o.keys)}`;
      const input = randomInput(rng, key, () => `v${valueSeq++}`);
      const call = t;
      const ret = call + 1 + rng.int(20);
      // Whole-millisecond ends, a point strictly inside: shared end times test the tie rule.
      const point = call + (ret - call) * (0.01 + 0.98 * rng.next());
      const info = rng.chance(o.infoRate);
      const op: Operation = { id: id++, client: c, input, call, return: info ? Infinity : ret, output: undefined };
      planned.push({ op, point, applies: !info || rng.chance(0.5) });
      t = ret + rng.int(5);
    }
  }
  // Apply in linearization-point order to a real map, recording what each client saw.
  const store = new Map<string, string>();
  for (const p of [...planned].sort((a, b) => a.point - b.point)) {
    if (!p.applies) continue;
    const output = apply(store, p.op.input);
    if (p.op.return !== Infinity) p.op.output = output;
  }
  return planned.map((p) => p.op).sort((a, b) => a.call - b.call || a.id - b.id);
}

function randomInput(rng: Rng, key: string, fresh: () => string): KvInput {
  const r = rng.next();
  if (r < 0.45) return { type: 'get', key };
  if (r < 0.75) return { type: 'put', key, value: fresh() };
  if (r < 0.82) return { type: 'delete', key };
  // Guess a recent value so that some compare-and-sets succeed.
  const expected = rng.chance(0.2) ? null : `v${Math.max(0, Number(fresh().slice(1)) - 1 - rng.int(4))}`;
  return { type: 'cas', key, expected, value: fresh() };
}

function apply(store: Map<string, string>, input: KvInput): KvOutput {
  const current = store.get(input.key) ?? null;
  switch (input.type) {
    case 'get':
      return { value: current };
    case 'put':
      store.set(input.key, input.value);
      return {};
    case 'delete':
      store.delete(input.key);
      return { deleted: current === null ? 0 : 1 };
    case 'cas':
      if (current !== input.expected) return { ok: false };
      store.set(input.key, input.value);
      return { ok: true };
  }
}

/**
 * Returns a copy of `ops` in which one acknowledged read returns a stale value: the value of a
 * write w1 that was followed, strictly in real time, by a write w2 to the same key that
 * completed before the read was called. Unique values make that read impossible to linearize.
 * Returns undefined when the history has no such triple.
 */
export function corruptOneRead(rng: Rng, ops: readonly Operation[]): { ops: Operation[]; read: Operation } | undefined {
  const effective = ops.filter((op) => op.return !== Infinity && writesFor(op) !== undefined);
  const reads = rng.shuffle(ops.filter((op) => op.input.type === 'get' && op.output !== undefined));
  for (const read of reads) {
    for (const w2 of effective) {
      if (w2.input.key !== read.input.key || !(w2.return < read.call)) continue;
      const w1 = effective.find(
        (w) =>
          w.input.key === read.input.key &&
          w.return < w2.call &&
          typeof writesFor(w) === 'string' &&
          writesFor(w) !== writesFor(w2),
      );
      if (w1 === undefined) continue;
      const stale = writesFor(w1) as string;
      const copy = ops.map((op) => (op === read ? { ...op, output: { value: stale } } : op));
      return { ops: copy, read: { ...read, output: { value: stale } } };
    }
  }
  return undefined;
}

/** The value an acknowledged operation certainly wrote (null for a delete), else undefined. */
function writesFor(op: Operation): string | null | undefined {
  const i = op.input;
  if (i.type === 'put') return i.value;
  if (i.type === 'delete') return null;
  if (i.type === 'cas' && op.output !== undefined && 'ok' in op.output && op.output.ok) return i.value;
  return undefined;
}
