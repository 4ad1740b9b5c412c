/**
 * The data the Raft core consumes and produces. These are plain values: the core never does
 * I/O, it takes messages and ticks and hands back a Ready describing what to persist, send and
 * apply. Node ids are positive integers; 0 (NONE) means "no node".
 */
export type NodeId = number;
export const NONE: NodeId = 0;

export type EntryType = 'Normal' | 'ConfChange';

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  /** For Normal entries the application's command (empty for the leader's no-op); for ConfChange, encodeConfChange(). */
  data: Uint8Array;
}

export type MessageType =
  // Local messages: never sent over the network.
  | 'MsgHup' // start an election
  | 'MsgBeat' // leader: send heartbeats
  | 'MsgCheckQuorum' // leader: step down unless a quorum was heard from recently
  | 'MsgUnreachable' // the transport could not reach msg.from
  | 'MsgSnapStatus' // the transport finished (reject=false) or failed (reject=true) sending a snapshot
  // Proposals may be forwarded from follower to leader.
  | 'MsgProp'
  | 'MsgApp'
  | 'MsgAppResp'
  | 'MsgVote'
  | 'MsgVoteResp'
  | 'MsgPreVote'
  | 'MsgPreVoteResp'
  | 'MsgSnap'
  | 'MsgHeartbeat'
  | 'MsgHeartbeatResp'
  | 'MsgTransferLeader'
  | 'MsgTimeoutNow'
  | 'MsgReadIndex'
  | 'MsgReadIndexResp';

export interface Message {
  type: MessageType;
  to: NodeId;
  from: NodeId;
  term: number;
  /** MsgApp: term of the entry at `index` (the one before `entries`). Votes: last log term. */
  logTerm: number;
  /** MsgApp: index before `entries`. MsgAppResp: the index acknowledged or rejected. Votes: last log index. */
  index: number;
  entries: Entry[];
  commit: number;
  snapshot?: Snapshot;
  reject: boolean;
  /** MsgAppResp rejection: the follower's hint for where the leader should probe next. */
  rejectHint: number;
  /** MsgHeartbeat(Resp)/MsgReadIndex(Resp): the read request's context; MsgVote: 'CampaignTransfer'. */
  context?: Uint8Array;
}

export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}

export interface Snapshot {
  data: Uint8Array;
  metadata: SnapshotMetadata;
}

/** What must be durable before a node sends any message that depends on it. */
export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export type StateType = 'Follower' | 'PreCandidate' | 'Candidate' | 'Leader';

/** Volatile state useful to the application and to logs; never persisted. */
export interface SoftState {
  lead: NodeId;
  raftState: StateType;
}

/** A read request that may now be served, once the application has applied up to `index`. */
export interface ReadState {
  index: number;
  requestCtx: Uint8Array;
}

export type ConfChangeType = 'AddNode' | 'AddLearnerNode' | 'RemoveNode';

/**
 * A single-server membership change. Adding a voter that is currently a learner promotes it.
 * Only one change may be pending at a time: a leader refuses a second until the first applied.
 */
export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  context?: Uint8Array;
}

export type SnapshotStatus = 'finish' | 'failure';

/**
 * Ready is the core's answer to "what now?". The driver must handle it in this order:
 *  1. persist `snapshot` first (it replaces the log), then `entries` (appended, replacing any
 *     conflicting suffix) and `hardState`, fsyncing when `mustSync` is set;
 *  2. only then send `messages` (a vote or an acknowledgement must never precede the state it vouches for);
 *     the one exception: a leader's MsgApp/MsgHeartbeat/MsgSnap/MsgTimeoutNow of its current term
 *     may be sent before step 1 completes (thesis §10.2.1; ReadyOrder splits them out), because
 *     the leader counts its own copy of an entry toward commitment only at advance;
 *  3. apply `snapshot` (if any, once step 1 wrote it), then `committedEntries`, in order; the
 *     committed entries may be applied while step 1 is in flight (they are durable on a quorum);
 *  4. call advance(rd), which also acknowledges `entries` as durable, so only after step 1.
 * A driver may take the next Ready before advancing this one (its writes must then reach the
 * disk in Ready order, and advance is called in Ready order).
 */
export interface Ready {
  /** Present only when it changed since the last Ready. */
  softState?: SoftState;
  /** Present only when it changed since the last Ready. */
  hardState?: HardState;
  readStates: ReadState[];
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[];
  /** Whether hardState/entries must be fsynced before messages go out. */
  mustSync: boolean;
}

export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: NONE, commit: 0 });

export function isEmptyHardState(hs: HardState): boolean {
  return hs.term === 0 && hs.vote === NONE && hs.commit === 0;
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export function isEmptySnapshot(s: Snapshot | undefined): boolean {
  return s === undefined || s.metadata.index === 0;
}

export function emptySnapshot(): Snapshot {
  return { data: new Uint8Array(0), metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } } };
}

/** Builds a message with every field defaulted, so call sites name only what matters. */
export function message(m: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    to: NONE,
    from: NONE,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    ...m,
  };
}

/** Local messages are produced by the node itself and must never arrive from the network. */
export function isLocalMessage(t: MessageType): boolean {
  return t === 'MsgHup' || t === 'MsgBeat' || t === 'MsgUnreachable' || t === 'MsgSnapStatus' || t === 'MsgCheckQuorum';
}

/** Responses: a node ignores these from peers it does not know. */
export function isResponseMessage(t: MessageType): boolean {
  return (
    t === 'MsgAppResp' ||
    t === 'MsgVoteResp' ||
    t === 'MsgHeartbeatResp' ||
    t === 'MsgUnreachable' ||
    t === 'MsgPreVoteResp'
  );
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export function encodeConfChange(cc: ConfChange): Uint8Array {
  return textEncoder.encode(
    JSON.stringify({ type: cc.type, nodeId: cc.nodeId, context: cc.context ? Buffer.from(cc.context).toString('base64') : undefined }),
  );
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  const raw = JSON.parse(textDecoder.decode(data)) as { type: ConfChangeType; nodeId: NodeId; context?: string };
  const cc: ConfChange = { type: raw.type, nodeId: raw.nodeId };
  if (raw.context !== undefined) cc.context = new Uint8Array(Buffer.from(raw.context, 'base64'));
  return cc;
}

/** Approximate in-memory size of an entry, for maxSizePerMsg and similar limits. */
export function entrySize(e: Entry): number {
  return e.data.length + 24;
}
