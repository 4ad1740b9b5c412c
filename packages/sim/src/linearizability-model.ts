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

  describeState: (s) => (s === null ? 'absent' : JSON.stringify(s)),

  partition(ops) {
    const byKey = new Map<string, Operation[]>();
    for (const op of ops) {
      // A read with an unknown outcome carries no information (Knossos drops :info reads too).
      if (op.input.type === 'get' && op.output === undefined) continue;
      let list = byKey.get(op.input.key);
      if (list === undefined) byKey.set(op.input.key, (list = []));
      list.push(op);
    }
    return new Map([...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  },
};
