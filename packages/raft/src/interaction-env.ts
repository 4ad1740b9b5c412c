/**
 * The world of the golden interaction tests: N RawNodes over MemoryStorage, one queue of messages
 * in flight, and an optional network partition. Nothing happens on its own: a script says which
 * node ticks, which handles its Ready, which receives its messages. That makes every transcript
 * deterministic (each node's Rng is SeededRng(id)) and every step of the protocol visible.
 *
 * Ready handling follows the contract of types.ts (Ready): persist (snapshot, entries, hard
 * state), then queue the messages, then apply the snapshot and committed entries, then advance.
 * The application is a list of the payloads of applied normal entries; a snapshot's data is that
 * list joined with ','.
 */
import { Writable } from 'node:stream';
import { SeededRng, createLogger } from '@kubemu/base';
import type { Logger } from '@kubemu/base';
import { describeConfState, describeEntry, describeMessage, describeReady } from './describe';
import { RawNode } from './raw-node';
import type { RaftConfig } from './raw-node';
import { MemoryStorage } from './storage';
import type { ConfState, Entry, Message, MessageType, NodeId, Snapshot } from './types';
import { decodeConfChange, isEmptySnapshot } from './types';

export interface EnvNode {
  id: NodeId;
  rn: RawNode;
  storage: MemoryStorage;
  config: RaftConfig;
  logger: Logger;
  /** Index of the last entry (or snapshot) the application applied. */
  applied: number;
  /** The application's state: payloads of applied normal entries, in order. */
  data: string[];
}

/** Options shared by the nodes created by one add-nodes command. */
export interface NodeOptions {
  electionTick: number;
  heartbeatTick: number;
  checkQuorum: boolean;
  preVote: boolean;
  readOnlyOption: 'Safe' | 'LeaseBased';
  disableProposalForwarding: boolean;
  maxSizePerMsg?: number;
  maxInflightMsgs?: number;
}

export const DEFAULT_NODE_OPTIONS: NodeOptions = {
  electionTick: 3,
  heartbeatTick: 1,
  checkQuorum: false,
  preVote: false,
  readOnlyOption: 'Safe',
  disableProposalForwarding: false,
};

/** Where a new node's storage starts. */
export type InitialState =
  /** Every node of the batch calls bootstrap(ids of the batch): the founding members of a cluster. */
  | { kind: 'bootstrap' }
  /** Empty storage, no bootstrap: a node that will be added to a running cluster by a conf change. */
  | { kind: 'empty' }
  /** Storage starts from a snapshot at `index` (term 1) with this configuration and application data. */
  | { kind: 'snapshot'; index: number; confState: ConfState; content: string };

/** A message addressee for deliverMsgs: its messages are either delivered or dropped. */
export interface Recipient {
  id: NodeId;
  drop: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class InteractionEnv {
  /** By id; ids are handed out 1, 2, 3, ... so iteration order is id order. */
  readonly nodes = new Map<NodeId, EnvNode>();
  /** Messages sent and not yet delivered or dropped, in the order they were sent. */
  messages: Message[] = [];
  /** Partition groups: a message between nodes of different groups is dropped on delivery. */
  private groups: NodeId[][] | null = null;
  private lines: string[] = [];
  private indent = '';
  private logLevel = 'warn';

  /** Appends output (possibly several lines) at the current indentation. */
  output(text: string): void {
    for (const line of text.split('\n')) this.lines.push(this.indent + line);
  }

  /** Takes the output accumulated since the last call. */
  takeOutput(): string {
    const out = this.lines.length === 0 ? '' : this.lines.join('\n') + '\n';
    this.lines = [];
    return out;
  }

  withIndent<T>(f: () => T): T {
    const saved = this.indent;
    this.indent += '  ';
    try {
      return f();
    } finally {
      this.indent = saved;
    }
  }

  node(id: NodeId): EnvNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id} (nodes: ${[...this.nodes.keys()].join(', ') || 'none'})`);
    return n;
  }

  /** Creates `count` nodes with the next free ids and returns them. */
  addNodes(count: number, init: InitialState, opts: NodeOptions): EnvNode[] {
    const first = this.nodes.size + 1;
    const ids = Array.from({ length: count }, (_, k) => first + k);
    const created: EnvNode[] = [];
    for (const id of ids) {
      const storage = new MemoryStorage();
      let applied = 0;
      let data: string[] = [];
      if (init.kind === 'snapshot') {
        const snap: Snapshot = {
          data: encoder.encode(init.content),
          metadata: { index: init.index, term: 1, confState: init.confState },
        };
        storage.applySnapshot(snap);
        storage.setHardState({ term: 1, vote: 0, commit: init.index });
        applied = init.index;
        data = decodeAppData(snap.data);
      }
      const logger = this.newLogger(id);
      const config: RaftConfig = {
        id,
        electionTick: opts.electionTick,
        heartbeatTick: opts.heartbeatTick,
        storage,
        rng: new SeededRng(id),
        applied,
        checkQuorum: opts.checkQuorum,
        preVote: opts.preVote,
        readOnlyOption: opts.readOnlyOption,
        disableProposalForwarding: opts.disableProposalForwarding,
        logger,
      };
      if (opts.maxSizePerMsg !== undefined) config.maxSizePerMsg = opts.maxSizePerMsg;
      if (opts.maxInflightMsgs !== undefined) config.maxInflightMsgs = opts.maxInflightMsgs;
      const rn = new RawNode(config);
      const node: EnvNode = { id, rn, storage, config, logger, applied, data };
      this.nodes.set(id, node);
      created.push(node);
      if (init.kind === 'bootstrap') {
        rn.bootstrap(ids);
        // The bootstrap Readies (the founding conf changes, persisted and applied; more than one
        // when maxCommittedSizePerReady is small) are handled quietly: their effect shows in the
        // summary add-nodes prints.
        this.withQuietOutput(() => {
          while (rn.hasReady()) this.processReady(id);
        });
      }
    }
    return created;
  }

  /** Handles one Ready of node `id` in the contract's order, printing it. */
  processReady(id: NodeId): void {
    const n = this.node(id);
    const rd = n.rn.ready();
    this.output(describeReady(rd));
    // 1. Persist. The snapshot replaces the log, so it goes before the entries that follow it.
    if (!isEmptySnapshot(rd.snapshot)) n.storage.applySnapshot(rd.snapshot as Snapshot);
    n.storage.append(rd.entries);
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    // 2. Send.
    this.messages.push(...rd.messages);
    // 3. Apply.
    if (!isEmptySnapshot(rd.snapshot)) {
      const snap = rd.snapshot as Snapshot;
      n.data = decodeAppData(snap.data);
      n.applied = snap.metadata.index;
    }
    for (const e of rd.committedEntries) this.apply(n, e);
    // 4. Advance.
    n.rn.advance(rd);
  }

  private apply(n: EnvNode, e: Entry): void {
    if (e.type === 'ConfChange') {
      const cs = n.rn.applyConfChange(decodeConfChange(e.data));
      this.output(`applied ${describeEntry(e)}: ${describeConfState(cs)}`);
    } else if (e.data.length > 0) {
      n.data.push(decoder.decode(e.data));
    }
    n.applied = e.index;
  }

  /**
   * Delivers (or drops) the queued messages addressed to each recipient, in queue order, one
   * recipient after the other; `type` restricts it to messages of that type. A message that
   * crosses the current partition is dropped. Returns how many messages were taken off the queue.
   */
  deliverMsgs(recipients: Recipient[], type?: MessageType): number {
    let n = 0;
    for (const r of recipients) {
      const mine = this.messages.filter((m) => m.to === r.id && (type === undefined || m.type === type));
      if (mine.length === 0) continue;
      this.messages = this.messages.filter((m) => !mine.includes(m));
      n += mine.length;
      for (const m of mine) {
        if (r.drop) {
          this.output(`dropped: ${describeMessage(m)}`);
        } else if (this.isPartitioned(m.from, m.to)) {
          this.output(`dropped (partition): ${describeMessage(m)}`);
        } else if (!this.nodes.has(m.to)) {
          this.output(`dropped (no such node): ${describeMessage(m)}`);
        } else {
          this.output(describeMessage(m));
          const err = this.node(m.to).rn.step(m);
          if (err) this.withIndent(() => this.output(`error: ${err.message}`));
        }
      }
    }
    return n;
  }

  /**
   * Handles Readies and delivers messages among `ids` (all nodes when empty) until nothing is
   * left to do, printing every step: first every node with a Ready handles it (in id order), then
   * every node receives the messages queued for it (in id order), and again.
   */
  stabilize(ids: NodeId[]): void {
    const nodes = ids.length > 0 ? ids.map((id) => this.node(id)) : [...this.nodes.values()];
    for (let round = 0; ; round++) {
      if (round > 1000) throw new Error('stabilize: no quiescence after 1000 rounds (livelock?)');
      let done = true;
      for (const n of nodes) {
        if (!n.rn.hasReady()) continue;
        done = false;
        this.output(`> ${n.id} handling Ready`);
        this.withIndent(() => this.processReady(n.id));
      }
      for (const n of nodes) {
        if (!this.messages.some((m) => m.to === n.id)) continue;
        done = false;
        this.output(`> ${n.id} receiving messages`);
        this.withIndent(() => this.deliverMsgs([{ id: n.id, drop: false }]));
      }
      if (done) return;
    }
  }

  /** Cuts the network into the given groups; nodes not named form one more group together. */
  partition(groups: NodeId[][]): void {
    const named = new Set(groups.flat());
    for (const id of named) this.node(id);
    const rest = [...this.nodes.keys()].filter((id) => !named.has(id));
    this.groups = rest.length > 0 ? [...groups, rest] : groups;
  }

  heal(): void {
    this.groups = null;
  }

  describePartition(): string {
    if (this.groups === null) return 'no partition';
    return this.groups.map((g) => `(${g.join(',')})`).join(' ');
  }

  isPartitioned(a: NodeId, b: NodeId): boolean {
    if (this.groups === null) return false;
    const ga = this.groups.findIndex((g) => g.includes(a));
    const gb = this.groups.findIndex((g) => g.includes(b));
    return ga !== gb;
  }

  /**
   * The core's log records at `level` or above appear in the transcript as `LEVEL id: message`;
   * 'none' silences them. The default, 'warn', shows what the core refused to do (a campaign with
   * conf changes unapplied) or decided on its own (a check-quorum step-down).
   */
  setLogLevel(level: string): void {
    this.logLevel = level;
    for (const n of this.nodes.values()) applyLevel(n.logger, level);
  }

  private newLogger(id: NodeId): Logger {
    const sink = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.output(formatLogRecord(id, chunk.toString('utf8')));
        cb();
      },
    });
    const logger = createLogger({ component: 'raft', level: 'info', stream: sink });
    applyLevel(logger, this.logLevel);
    return logger;
  }

  /** Runs f with its output discarded. */
  private withQuietOutput(f: () => void): void {
    const saved = this.lines;
    this.lines = [];
    try {
      f();
    } finally {
      this.lines = saved;
    }
  }
}

function applyLevel(logger: Logger, level: string): void {
  logger.silent = level === 'none';
  if (level !== 'none') logger.level = level;
}

const LOG_META_SKIPPED = new Set(['level', 'message', 'timestamp', 'component', 'id']);

/** A JSON log record as `INFO 1: message key=value ...` (no timestamp, so transcripts stay stable). */
function formatLogRecord(id: NodeId, json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return `LOG ${id}: ${json.trim()}`;
  }
  const fields = Object.entries(rec)
    .filter(([k]) => !LOG_META_SKIPPED.has(k))
    .map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('');
  return `${String(rec.level).toUpperCase()} ${id}: ${String(rec.message)}${fields}`;
}

/** The application's data from a snapshot: payloads joined with ','. */
export function decodeAppData(data: Uint8Array): string[] {
  const s = decoder.decode(data);
  return s === '' ? [] : s.split(',');
}

export function encodeAppData(items: string[]): Uint8Array {
  return encoder.encode(items.join(','));
}
