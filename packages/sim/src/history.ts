import { InvalidArgumentError } from '@kubemu/base';

/**
 * A client-side history of key-value operations, recorded as Jepsen records one: every
 * operation is an `invoke` followed by at most one completion.
 *
 * - `ok`: the operation took effect, and its output is known.
 * - `fail`: the operation definitely did not take effect (the store said so before applying
 *   it); the checker drops it.
 * - `info`: the outcome is unknown (a timeout, a connection reset after sending). It may or may
 *   not have taken effect, at any time after its invocation: its return time is +infinity.
 *
 * An operation still open when the history is read is treated as `info`. Times come from an
 * injected monotonic clock, so a test that drives a manual clock records the same history on
 * every run.
 */

export type ClientId = number | string;

/** One request to the key-value store, as the linearizability checker models it. */
export type KvInput =
  | { type: 'get'; key: string }
  | { type: 'put'; key: string; value: string }
  | { type: 'delete'; key: string }
  /** Compare-and-set: an etcd txn `if value(key) == expected then put(key, value)`; null = absent. */
  | { type: 'cas'; key: string; expected: string | null; value: string };

/**
 * What the store answered. `revision` (put) is recorded for people reading a dump but not
 * checked: revisions are global across keys, and the checker looks at one key at a time.
 * `deleted` (delete) is checked when present: 1 if the key existed, 0 if not.
 */
export type KvOutput = { value: string | null } | { ok: boolean } | { revision?: number; deleted?: number };

export type HistoryEvent =
  | { type: 'invoke'; id: number; client: ClientId; time: number; input: KvInput }
  | { type: 'ok'; id: number; time: number; output: KvOutput }
  | { type: 'fail'; id: number; time: number; error?: string }
  | { type: 'info'; id: number; time: number; error?: string };

/** An operation as the checker sees it: one interval of real time with its outcome. */
export interface Operation {
  id: number;
  client: ClientId;
  input: KvInput;
  call: number;
  /** +Infinity for an `info` operation. */
  return: number;
  /** Undefined exactly when the outcome is unknown (`info`). */
  output: KvOutput | undefined;
}

/** The JSON form of a history: the raw events, so a failing chaos run replays offline. */
export interface HistoryDump {
  format: 'kubemu-history';
  version: 1;
  events: HistoryEvent[];
}

export class History {
  private readonly events: HistoryEvent[] = [];
  /** Open operations by id, and the ids that completed (to refuse a second completion). */
  private readonly open = new Map<number, Extract<HistoryEvent, { type: 'invoke' }>>();
  private readonly closed = new Set<number>();
  private nextId = 0;

  /** `now` must never go backwards (performance.now(), or a ManualClock's now). */
  constructor(private readonly now: () => number = () => performance.now()) {}

  invoke(client: ClientId, input: KvInput): number {
    const id = this.nextId++;
    const ev = { type: 'invoke' as const, id, client, time: this.now(), input: { ...input } };
    this.events.push(ev);
    this.open.set(id, ev);
    return id;
  }

  ok(id: number, output: KvOutput): void {
    const inv = this.open.get(id);
    if (inv !== undefined) checkOutputShape(inv.input, output);
    this.complete(id);
    this.events.push({ type: 'ok', id, time: this.now(), output: { ...output } });
  }

  fail(id: number, error?: string): void {
    this.complete(id);
    this.events.push(withError({ type: 'fail', id, time: this.now() }, error));
  }

  info(id: number, error?: string): void {
    this.complete(id);
    this.events.push(withError({ type: 'info', id, time: this.now() }, error));
  }

  get size(): number {
    return this.nextId;
  }

  /** The operations to check: failed ones dropped, open ones as `info`. Sorted by call time. */
  operations(): Operation[] {
    return operationsOf(this.events);
  }

  toJSON(): HistoryDump {
    return { format: 'kubemu-history', version: 1, events: this.events.map((e) => ({ ...e })) };
  }

  dump(): string {
    return JSON.stringify(this.toJSON());
  }

  /** Rebuilds a history from `dump()` or `toJSON()`, validating the event sequence. */
  static load(json: string | HistoryDump): History {
    const dump = typeof json === 'string' ? (JSON.parse(json) as HistoryDump) : json;
    if (dump.format !== 'kubemu-history' || dump.version !== 1 || !Array.isArray(dump.events)) {
      throw new InvalidArgumentError('History.load: not a kubemu-history version 1 dump');
    }
    let time = 0;
    const h = new History(() => time);
    for (const ev of dump.events) {
      time = ev.time;
      if (ev.type === 'invoke') {
        if (ev.id !== h.nextId) throw new InvalidArgumentError(`History.load: invoke ${ev.id} out of order`);
        h.invoke(ev.client, ev.input);
      } else if (ev.type === 'ok') h.ok(ev.id, ev.output);
      else if (ev.type === 'fail') h.fail(ev.id, ev.error);
      else if (ev.type === 'info') h.info(ev.id, ev.error);
      else throw new InvalidArgumentError(`History.load: unknown event ${JSON.stringify(ev)}`);
    }
    return h;
  }

  private complete(id: number): Extract<HistoryEvent, { type: 'invoke' }> {
    const inv = this.open.get(id);
    if (inv === undefined) {
      const why = this.closed.has(id) ? 'already completed' : 'never invoked';
      throw new InvalidArgumentError(`History: operation ${id} ${why}`);
    }
    this.open.delete(id);
    this.closed.add(id);
    return inv;
  }
}

/** Pairs invocations with completions. Exported for histories built without the recorder. */
export function operationsOf(events: readonly HistoryEvent[]): Operation[] {
  const ops = new Map<number, Operation>();
  for (const ev of events) {
    if (ev.type === 'invoke') {
      ops.set(ev.id, { id: ev.id, client: ev.client, input: ev.input, call: ev.time, return: Infinity, output: undefined });
      continue;
    }
    const op = ops.get(ev.id);
    if (op === undefined) continue;
    if (ev.type === 'fail') ops.delete(ev.id);
    else if (ev.type === 'ok') {
      op.return = ev.time;
      op.output = ev.output;
    }
    // 'info' leaves return = +Infinity and output unknown, as an open operation has.
  }
  return [...ops.values()].sort((a, b) => a.call - b.call || a.id - b.id);
}

/** Readable form of one operation, for explanations: `c3 put(k, "v") [12, 15]`. */
export function describeOperation(op: Operation): string {
  const i = op.input;
  const q = (v: string | null): string => (v === null ? 'null' : JSON.stringify(v));
  let call: string;
  if (i.type === 'get') call = `get(${i.key})`;
  else if (i.type === 'put') call = `put(${i.key}, ${q(i.value)})`;
  else if (i.type === 'delete') call = `delete(${i.key})`;
  else call = `cas(${i.key}, ${q(i.expected)} -> ${q(i.value)})`;
  let out = ' -> ?';
  if (op.output !== undefined) {
    const o = op.output;
    if ('value' in o) out = ` -> ${q(o.value)}`;
    else if ('ok' in o) out = ` -> ${o.ok}`;
    else if (o.deleted !== undefined) out = ` -> deleted ${o.deleted}`;
    else out = ' -> ok';
  }
  const ret = op.return === Infinity ? 'inf (info)' : String(op.return);
  return `client ${op.client} ${call}${out} [${op.call}, ${ret}]`;
}

function checkOutputShape(input: KvInput, output: KvOutput): void {
  const good =
    input.type === 'get'
      ? 'value' in output
      : input.type === 'cas'
        ? 'ok' in output
        : !('value' in output) && !('ok' in output);
  if (!good) {
    throw new InvalidArgumentError(`History: output ${JSON.stringify(output)} does not fit a ${input.type}`);
  }
}

function withError<T extends { type: 'fail' | 'info' }>(ev: T, error: string | undefined): T & { error?: string } {
  return error === undefined ? ev : { ...ev, error };
}
