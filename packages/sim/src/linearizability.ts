import type { History, KvInput, KvOutput, Operation } from './history';
import { describeOperation } from './history';
import type { Model } from './linearizability-model';
import { kvModel } from './linearizability-model';

/**
 * A linearizability checker in the manner of Porcupine (github.com/anishathalye/porcupine):
 * the Wing & Gong search (Wing & Gong, "Testing and verifying concurrent objects", 1993) with
 * the improvements of Lowe ("Testing for linearizability", Concurrency and Computation 29(4),
 * 2017): a doubly linked list of call and return entries, depth-first search with
 * backtracking, and a cache of configurations already explored.
 *
 * The history is first split by key (P-compositionality: a history of a map is linearizable
 * iff each key's sub-history is), which turns one exponential search into many small ones.
 *
 * Invariants of the search on one key:
 * - The list holds, sorted by time, the call and return entries of every operation not yet
 *   linearized; at equal times calls come first, so touching intervals count as concurrent
 *   (the checker never reports a violation that depends on clock resolution).
 * - `calls` is the current partial linearization, in order, each with the model state before
 *   it; `state` is the state after all of them, and `linearized` is their set as a bitset.
 * - An operation may be linearized next iff its call entry precedes the first return entry in
 *   the list (nothing not yet linearized returned before it was called). Reaching a return
 *   entry means its operation had to come next but could not: backtrack.
 * - The cache holds every (linearized set, state) pair from which the search has moved on; the
 *   future of a configuration depends only on that pair, so meeting one again is pruned.
 * - The history is linearizable iff the list empties. An `info` operation returns at
 *   +infinity, so it can always be placed last, where its effect is never observed: that is
 *   how "it may not have taken effect" is modelled, as Porcupine and Knossos do.
 */

export type Verdict = 'ok' | 'illegal' | 'unknown';

export interface CheckOptions<S = unknown> {
  /** Stop with 'unknown' after this much time (ms, measured with `now`). Default 10,000. */
  timeBudgetMs?: number;
  /** A key with more operations than this is not searched: its verdict is 'unknown'. Default 10,000. */
  maxOpsPerKey?: number;
  /** Monotonic milliseconds; injected so that tests of the time budget are deterministic. */
  now?: () => number;
  model?: Model<S, KvInput, KvOutput>;
}

export interface LinearizabilityResult {
  ok: boolean;
  verdict: Verdict;
  /** The first key (in sorted order) found illegal, or else the first left unknown. */
  key?: string;
  explanation: string;
  /** For an illegal key: the longest linearizable prefix the search found, in order. */
  linearized?: Operation[];
  /** For an illegal key: the operations that could all have come next, and none could. */
  unplaced?: Operation[];
  stats: { keys: number; operations: number; steps: number; elapsedMs: number };
}

type KeyOutcome<S> =
  | { verdict: 'ok' }
  | { verdict: 'unknown'; why: string }
  | { verdict: 'illegal'; prefix: number[]; stateAfter: S; unplaced: number[] };

interface Entry {
  /** Index of the operation in the key's sub-history. */
  op: number;
  time: number;
  /** On a call entry, its return entry; undefined on a return entry. */
  match: Entry | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

interface CacheEntry<S> {
  bits: Uint32Array;
  state: S;
}

/** Checks a recorded history (or its operations) against the key-value model. */
export function checkLinearizable<S = unknown>(
  history: History | readonly Operation[],
  options: CheckOptions<S> = {},
): LinearizabilityResult {
  const model = (options.model ?? kvModel) as Model<S, KvInput, KvOutput>;
  const now = options.now ?? (() => performance.now());
  const maxOps = options.maxOpsPerKey ?? 10_000;
  const start = now();
  const deadline = start + (options.timeBudgetMs ?? 10_000);
  const ops = Array.isArray(history) ? (history as readonly Operation[]) : (history as History).operations();
  const byKey = model.partition(ops);
  // The model may rewrite operations (copies with the same id); explanations show the originals.
  const originals = new Map(ops.map((op) => [op.id, op]));

  let steps = 0;
  let firstUnknown: { key: string; why: string } | undefined;
  const counter = { steps: 0 };
  for (const [key, keyOps] of byKey) {
    let outcome: KeyOutcome<S>;
    if (keyOps.length > maxOps) {
      outcome = { verdict: 'unknown', why: `${keyOps.length} operations, over maxOpsPerKey=${maxOps}` };
    } else if (now() >= deadline) {
      outcome = { verdict: 'unknown', why: 'time budget spent before this key was searched' };
    } else {
      counter.steps = 0;
      outcome = searchKey(keyOps, model, () => now() >= deadline, counter);
      steps += counter.steps;
    }
    if (outcome.verdict === 'illegal') {
      const stats = { keys: byKey.size, operations: ops.length, steps, elapsedMs: now() - start };
      return illegalResult(key, keyOps.map((op) => originals.get(op.id) ?? op), outcome, model, stats);
    }
    if (outcome.verdict === 'unknown' && firstUnknown === undefined) firstUnknown = { key, why: outcome.why };
  }
  const stats = { keys: byKey.size, operations: ops.length, steps, elapsedMs: now() - start };
  if (firstUnknown !== undefined) {
    return {
      ok: false,
      verdict: 'unknown',
      key: firstUnknown.key,
      explanation: `no violation found, but key ${JSON.stringify(firstUnknown.key)} was not fully checked: ${firstUnknown.why}`,
      stats,
    };
  }
  return { ok: true, verdict: 'ok', explanation: `linearizable: ${ops.length} operations over ${byKey.size} keys`, stats };
}

/** The search on one key's sub-history. `expired` is polled every 1024 steps. */
function searchKey<S>(
  ops: readonly Operation[],
  model: Model<S, KvInput, KvOutput>,
  expired: () => boolean,
  counter: { steps: number },
): KeyOutcome<S> {
  const head = buildList(ops);
  const words = (ops.length + 31) >>> 5;
  const linearized = new Uint32Array(words);
  const zobrist = zobristKeys(ops.length);
  // Zobrist hash of `linearized`: the XOR of the keys of its members, kept incrementally.
  let hash = 0;
  const cache = new Map<number, CacheEntry<S>[]>();
  const calls: { entry: Entry; state: S }[] = [];
  const twin = twinsOf(ops);
  let state = model.init();

  // The deepest partial linearization seen, for the explanation of a failure.
  let best: number[] = [];
  let bestState = state;
  let bestIsCurrent = true;
  let unplaced: number[] | undefined;

  let entry = head.next;
  while (head.next !== undefined) {
    if ((++counter.steps & 1023) === 0 && expired()) {
      return { verdict: 'unknown', why: `time budget spent after ${counter.steps} search steps` };
    }
    if (entry === undefined) throw new Error('linearizability: list ended on a call entry');
    if (entry.match !== undefined) {
      // A call entry: try to linearize its operation next, unless an identical info operation
      // called earlier is still waiting (identical info operations go in call order).
      const op = ops[entry.op] as Operation;
      const earlier = twin[entry.op] as number;
      const stepped = earlier >= 0 && !hasBit(linearized, earlier) ? undefined : model.step(state, op.input, op.output);
      if (stepped !== undefined) {
        setBit(linearized, entry.op);
        const h = (hash ^ (zobrist[entry.op] as number)) >>> 0;
        if (cacheAdd(cache, h, linearized, stepped.next, model)) {
          calls.push({ entry, state });
          state = stepped.next;
          hash = h;
          lift(entry);
          if (calls.length > best.length) {
            best = calls.map((c) => c.entry.op);
            bestState = state;
            bestIsCurrent = true;
            unplaced = undefined;
          }
          entry = head.next;
          continue;
        }
        clearBit(linearized, entry.op);
      }
      entry = entry.next;
    } else {
      // A return entry: its operation had to be linearized by now and was not.
      if (bestIsCurrent && unplaced === undefined) unplaced = candidatesBefore(head, entry);
      const top = calls.pop();
      if (top === undefined) {
        return { verdict: 'illegal', prefix: best, stateAfter: bestState, unplaced: unplaced ?? [] };
      }
      bestIsCurrent = false;
      entry = top.entry;
      state = top.state;
      clearBit(linearized, entry.op);
      hash = (hash ^ (zobrist[entry.op] as number)) >>> 0;
      unlift(entry);
      entry = entry.next;
    }
  }
  return { verdict: 'ok' };
}

/**
 * For each operation, the identical info operation called just before it, or -1. Identical
 * info operations (same input, outcome unknown, both returning at +infinity) are
 * interchangeable: in any linearization, swapping two of them keeps every call before its
 * place. So only the order in which they were called need be searched.
 */
function twinsOf(ops: readonly Operation[]): number[] {
  const last = new Map<string, number>();
  const twin = ops.map(() => -1);
  const byCall = ops.map((_, i) => i).sort((a, b) => (ops[a] as Operation).call - (ops[b] as Operation).call || a - b);
  for (const i of byCall) {
    const op = ops[i] as Operation;
    if (op.output !== undefined) continue;
    const k = JSON.stringify(op.input);
    twin[i] = last.get(k) ?? -1;
    last.set(k, i);
  }
  return twin;
}

/** Sentinel-headed list of entries sorted by time; calls before returns at equal times. */
function buildList(ops: readonly Operation[]): Entry {
  const entries: Entry[] = [];
  ops.forEach((op, i) => {
    const ret: Entry = { op: i, time: op.return, match: undefined, prev: undefined, next: undefined };
    entries.push({ op: i, time: op.call, match: ret, prev: undefined, next: undefined }, ret);
  });
  entries.sort((a, b) => {
    if (a.time !== b.time) return a.time < b.time ? -1 : 1;
    const ak = a.match !== undefined ? 0 : 1;
    const bk = b.match !== undefined ? 0 : 1;
    return ak - bk || a.op - b.op;
  });
  const head: Entry = { op: -1, time: -Infinity, match: undefined, prev: undefined, next: undefined };
  let last = head;
  for (const e of entries) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  return head;
}

/** Removes a call entry and its return entry. Every call has a later return, so call.next is set. */
function lift(call: Entry): void {
  const ret = call.match as Entry;
  (call.prev as Entry).next = call.next;
  (call.next as Entry).prev = call.prev;
  (ret.prev as Entry).next = ret.next;
  if (ret.next !== undefined) ret.next.prev = ret.prev;
}

/** Undoes `lift`; entries are relinked in reverse order, so their neighbours are the old ones. */
function unlift(call: Entry): void {
  const ret = call.match as Entry;
  (ret.prev as Entry).next = ret;
  if (ret.next !== undefined) ret.next.prev = ret;
  (call.prev as Entry).next = call;
  (call.next as Entry).prev = call;
}

function candidatesBefore(head: Entry, ret: Entry): number[] {
  const out: number[] = [];
  for (let e = head.next; e !== undefined && e !== ret; e = e.next) if (e.match !== undefined) out.push(e.op);
  out.push(ret.op);
  return [...new Set(out)];
}

/** Adds (bits, state) unless present; returns whether it was new. Stores a copy of bits. */
function cacheAdd<S>(
  cache: Map<number, CacheEntry<S>[]>,
  hash: number,
  bits: Uint32Array,
  state: S,
  model: Model<S, KvInput, KvOutput>,
): boolean {
  let bucket = cache.get(hash);
  if (bucket === undefined) cache.set(hash, (bucket = []));
  for (const c of bucket) if (model.equal(c.state, state) && sameBits(c.bits, bits)) return false;
  bucket.push({ bits: bits.slice(), state });
  return true;
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hasBit(bits: Uint32Array, i: number): boolean {
  return (((bits[i >>> 5] as number) >>> (i & 31)) & 1) === 1;
}

function setBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5] = ((bits[i >>> 5] as number) | (1 << (i & 31))) >>> 0;
}

function clearBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5] = ((bits[i >>> 5] as number) & ~(1 << (i & 31))) >>> 0;
}

/** Fixed pseudo-random 32-bit keys (splitmix32), one per operation, for the Zobrist hash. */
function zobristKeys(n: number): Uint32Array {
  const keys = new Uint32Array(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    keys[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return keys;
}

const SHOWN = 8;

function illegalResult<S>(
  key: string,
  ops: readonly Operation[],
  outcome: Extract<KeyOutcome<S>, { verdict: 'illegal' }>,
  model: Model<S, KvInput, KvOutput>,
  stats: LinearizabilityResult['stats'],
): LinearizabilityResult {
  const linearized = outcome.prefix.map((i) => ops[i] as Operation);
  const unplaced = outcome.unplaced.map((i) => ops[i] as Operation);
  const shown = linearized.slice(-SHOWN);
  const lines = [
    `not linearizable: key ${JSON.stringify(key)} (${ops.length} operations)`,
    `longest linearizable prefix: ${linearized.length} operations` +
      (linearized.length > SHOWN ? `, the last ${SHOWN}:` : ':'),
    ...shown.map((op) => `  ${describeOperation(op)}`),
    `state after it: ${model.describeState(outcome.stateAfter)}`,
    `none of these could come next (the last had to, by its return time):`,
    ...unplaced.map((op) => `  ${describeOperation(op)}`),
  ];
  return { ok: false, verdict: 'illegal', key, explanation: lines.join('\n'), linearized, unplaced, stats };
}
