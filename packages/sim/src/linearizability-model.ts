import type { KvInput, KvOutput, Operation } from './history';

/**
 * A sequential specification, as Porcupine's `Model`: the checker asks whether an operation,
 * applied to a state, could have produced the output the client saw.
 *
 * `step` returns the next state, or `undefined` when the output is impossible from `state`.
 * `output === undefined` means the outcome is unknown (an `info` operation): the model must
 * accept it and return the state the operation would leave if it took effect. That it may
 * also not have taken effect needs no model support: its return time is +infinity, so the
 * search can always place it after every other operation, where it changes nothing observed.
 *
 * States must be immutable values compared with `equal` (the search caches them).
 */
export interface Model<S, I, O> {
  init(): S;
  step(state: S, input: I, output: O | undefined): { next: S } | undefined;
  equal(a: S, b: S): boolean;
  describeState(state: S): string;
  /**
   * Splits a history into independent sub-histories (P-compositionality, Herlihy & Wing 1990:
   * a history is linearizable iff each object's sub-history is). Keys are checked in order.
   */
  partition(ops: readonly Operation[]): Map<string, Operation[]>;
}

/** One key of the store: its value, or null when absent. */
export type KvState = string | null;

/**
 * A map from key to value, checked one key at a time: every operation touches exactly one key,
 * so the map is a product of independent registers and P-compositional.
 */
export const kvModel: Model<KvState, KvInput, KvOutput> = {
  init: () => null,

  step(state, input, output) {
    switch (input.type) {
      case 'get': {
        // An unknown read observed nothing; the checker drops those before the search.
        if (output === undefined) return { next: state };
        return 'value' in output && output.value === state ? { next: state } : undefined;
      }
      case 'put':
        return { next: input.value };
      case 'delete': {
        const deleted = output !== undefined && 'deleted' in output ? output.deleted : undefined;
        if (deleted !== undefined && deleted !== (state === null ? 0 : 1)) return undefined;
        return { next: null };
      }
      case 'cas': {
        const applies = state === input.expected;
        if (output !== undefined && !('ok' in output && output.ok === applies)) return undefined;
        return { next: applies ? input.value : state };
      }
    }
  },

  equal: (a, b) => a === b,

  describeState: (s) => (s === null ? 'absent' : s === UNOBSERVED ? 'a value no one read' : JSON.stringify(s)),

  partition(ops) {
    const byKey = new Map<string, Operation[]>();
    for (const op of ops) {
      // A read with an unknown outcome carries no information (Knossos drops :info reads too).
      if (op.input.type === 'get' && op.output === undefined) continue;
      let list = byKey.get(op.input.key);
      if (list === undefined) byKey.set(op.input.key, (list = []));
      list.push(op);
    }
    const sorted = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return new Map(sorted.map(([key, list]) => [key, blurUnobservedInfoWrites(dropUnobservedInfoWrites(list))]));
  },
};

/**
 * Drops the `info` writes that no operation could depend on. Unknown writes are what make the
 * search exponential: one that is never observed stays a candidate at every later step, so k of
 * them multiply the configurations by up to 2^k (Knossos and Porcupine both suffer this).
 *
 * Let p be an info write that leaves the key at w (a put's or cas's value; null for a delete).
 * If no operation that returns after p's call reads w (an ok get of w, a cas expecting w), fails
 * a cas (which might need p to spoil its expectation), or reports a delete count (which might
 * need p to create or remove the key), then the history is linearizable iff it is without p.
 * Proof: take a linearization with p and remove p. Only the operations between p and the next
 * write see a different state. Reads there would return w, and cas expecting w or failing
 * cas or counted deletes there are excluded; a successful cas there expected the state w,
 * also excluded; an info cas there did not apply, so it moves to the end (it returns at
 * +infinity) unchanged. Conversely p can always be added last. Dropping one such write never
 * makes another droppable write necessary, as the conditions only read acknowledged operations
 * and cas expectations, so all are dropped at once.
 */
export function dropUnobservedInfoWrites(ops: readonly Operation[]): Operation[] {
  const unknownWrites = ops.filter((op) => op.output === undefined && op.input.type !== 'get');
  if (unknownWrites.length === 0) return [...ops];
  const dropped = new Set<Operation>();
  for (const p of unknownWrites) {
    const w = p.input.type === 'delete' ? null : (p.input as { value: string }).value;
    const needed = ops.some((q) => q !== p && q.return > p.call && mightNeed(q, w));
    if (!needed) dropped.add(p);
  }
  return ops.filter((op) => !dropped.has(op));
}

/** The value that stands for every value no operation can tell apart from another. */
export const UNOBSERVED = '\u0000kubemu:unobserved';

/**
 * Rewrites the value of every info put or cas that no operation reads (no get returns it, no
 * cas expects it) to UNOBSERVED. The model cannot tell such values apart, so this changes no
 * verdict; but it makes those writes identical, and the search linearizes identical info
 * operations in call order only (see `twinsOf`), which turns 2^k subsets into k + 1 counts.
 * The rewritten operations are copies with the same id, mapped back for explanations.
 */
export function blurUnobservedInfoWrites(ops: readonly Operation[]): Operation[] {
  const observed = new Set<string | null>();
  for (const op of ops) {
    if (op.input.type === 'cas') observed.add(op.input.expected);
    if (op.input.type === 'get' && op.output !== undefined && 'value' in op.output) observed.add(op.output.value);
  }
  const used = ops.some((op) => 'value' in op.input && op.input.value === UNOBSERVED);
  if (used || observed.has(UNOBSERVED)) return [...ops];
  return ops.map((op) => {
    const i = op.input;
    if (op.output !== undefined || (i.type !== 'put' && i.type !== 'cas') || observed.has(i.value)) return op;
    return { ...op, input: { ...i, value: UNOBSERVED } };
  });
}

/** Whether q might be linearizable only with a write that leaves the key at w before it. */
function mightNeed(q: Operation, w: KvState): boolean {
  const i = q.input;
  const o = q.output;
  if (i.type === 'cas') return i.expected === w || (o !== undefined && 'ok' in o && !o.ok);
  if (o === undefined) return false;
  if (i.type === 'get') return 'value' in o && o.value === w;
  if (i.type === 'delete') return 'deleted' in o && o.deleted !== undefined;
  return false;
}
