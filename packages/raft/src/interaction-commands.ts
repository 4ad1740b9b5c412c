/**
 * The commands of the interaction scripts (testdata/*.txt), each turning a parsed block into
 * calls on the InteractionEnv and printing what happened. Argument mistakes throw (a script error
 * must fail the test, never end up in a golden file); what the core answers is printed.
 *
 *   add-nodes N [voters=(1,2,3)] [learners=(4)] [index=I] [content=a,b] [checkquorum=true]
 *             [prevote=true] [read-only=lease-based|safe] [election-tick=3] [heartbeat-tick=1]
 *             [max-size-per-msg=B] [max-inflight=N] [disable-proposal-forwarding=true]
 *       Without voters/learners the first batch bootstraps a cluster of its own ids and a later
 *       batch starts empty (a node to be added by a conf change); with them, storage starts
 *       from a snapshot at index I (default 1, term 1) holding that configuration.
 *   campaign ID | propose ID DATA | propose-conf-change ID add|remove|add-learner NODE
 *   transfer-leadership from=ID to=ID | read-index ID CTX | report-unreachable ID PEER
 *   tick-election ID | tick-heartbeat ID | tick ID N
 *   process-ready ID... | deliver-msgs [drop=(IDS)] [type=MsgApp] ID... | stabilize [ID...]
 *   partition (1) (2,3) | heal
 *   snapshot ID (a snapshot of what ID applied) | compact ID INDEX (needs a snapshot at or past INDEX)
 *   raft-state | raft-log ID | status ID | log-level none|error|warn|info|debug (default warn)
 *
 * Messages that cross a partition are dropped when delivered (and printed as dropped).
 */
import { runScript } from './datadriven';
import type { CmdArg, ScriptRun, TestBlock } from './datadriven';
import { describeEntries, describeHardState, describeSnapshot } from './describe';
import { DEFAULT_NODE_OPTIONS, InteractionEnv, encodeAppData } from './interaction-env';
import type { EnvNode, InitialState, NodeOptions, Recipient } from './interaction-env';
import type { ConfChangeType, MessageType, NodeId } from './types';

type Handler = (env: InteractionEnv, b: TestBlock) => void;

const encoder = new TextEncoder();

/** Runs a whole script against a fresh environment. */
export function runInteractionScript(text: string, file: string): ScriptRun {
  const env = new InteractionEnv();
  return runScript(text, file, (b) => handleCommand(env, b));
}

/** Runs one block against env and returns its output ('ok' when the command printed nothing). */
export function handleCommand(env: InteractionEnv, b: TestBlock): string {
  const h = HANDLERS[b.cmd];
  if (h === undefined) throw new Error(`unknown command "${b.cmd}" (known: ${Object.keys(HANDLERS).join(', ')})`);
  h(env, b);
  const out = env.takeOutput();
  return out === '' ? 'ok\n' : out;
}

const HANDLERS: Record<string, Handler> = {
  'add-nodes': addNodes,
  campaign: (env, b) => env.node(firstId(b)).rn.campaign(),
  propose: (env, b) => {
    const [id, data] = positional(b, 2);
    printError(env, env.node(toId(id)).rn.propose(encoder.encode(data)));
  },
  'propose-conf-change': (env, b) => {
    const [id, op, target] = positional(b, 3);
    const types: Record<string, ConfChangeType> = { add: 'AddNode', remove: 'RemoveNode', 'add-learner': 'AddLearnerNode' };
    const type = types[op];
    if (type === undefined) throw new Error(`propose-conf-change: unknown change "${op}" (add, remove, add-learner)`);
    printError(env, env.node(toId(id)).rn.proposeConfChange({ type, nodeId: toId(target) }));
  },
  'transfer-leadership': (env, b) => env.node(toId(kwarg(b, 'from'))).rn.transferLeadership(toId(kwarg(b, 'to'))),
  'read-index': (env, b) => {
    const [id, ctx] = positional(b, 2);
    env.node(toId(id)).rn.readIndex(encoder.encode(ctx));
  },
  'report-unreachable': (env, b) => {
    const [id, peer] = positional(b, 2);
    env.node(toId(id)).rn.reportUnreachable(toId(peer));
  },
  'tick-election': (env, b) => tickElection(env.node(firstId(b))),
  'tick-heartbeat': (env, b) => tick(env.node(firstId(b)), env.node(firstId(b)).config.heartbeatTick),
  tick: (env, b) => {
    const [id, count] = positional(b, 2);
    tick(env.node(toId(id)), toInt(count));
  },
  'process-ready': (env, b) => {
    for (const id of ids(b)) {
      env.output(`> ${id} handling Ready`);
      env.withIndent(() => env.processReady(id));
    }
  },
  'deliver-msgs': deliverMsgs,
  stabilize: (env, b) => env.stabilize(ids(b)),
  partition: (env, b) => {
    const groups = b.args.map((a) => {
      if (!/^\(.*\)$/.test(a.key) || a.vals.length > 0) throw new Error(`partition: expected groups like (1) (2,3), got "${a.key}"`);
      return a.key.slice(1, -1).split(',').map((s) => toId(s.trim()));
    });
    if (groups.length === 0) throw new Error('partition: name at least one group, e.g. partition (1) (2,3)');
    env.partition(groups);
    env.output(env.describePartition());
  },
  heal: (env) => {
    env.heal();
    env.output(env.describePartition());
  },
  snapshot: (env, b) => {
    const n = env.node(firstId(b));
    const snap = n.storage.createSnapshot(n.applied, n.rn.status().confState, encodeAppData(n.data));
    env.output(`Snapshot ${describeSnapshot(snap)}`);
  },
  compact: (env, b) => {
    const [id, index] = positional(b, 2);
    const n = env.node(toId(id));
    const i = toInt(index);
    const snapIndex = n.storage.snapshot().metadata.index;
    // The leader sends storage.snapshot() to followers behind firstIndex: it must cover what is dropped.
    if (i > snapIndex) throw new Error(`compact: index ${i} is past the latest snapshot (${snapIndex}); run "snapshot ${n.id}" first`);
    n.storage.compact(i);
    printLog(env, n);
  },
  'raft-state': (env) => {
    for (const n of env.nodes.values()) env.output(describeNodeState(n));
  },
  'raft-log': (env, b) => printLog(env, env.node(firstId(b))),
  status: (env, b) => printStatus(env, env.node(firstId(b))),
  'log-level': (env, b) => {
    const [level] = positional(b, 1);
    if (!['none', 'error', 'warn', 'info', 'debug'].includes(level)) throw new Error(`log-level: unknown level "${level}"`);
    env.setLogLevel(level);
  },
};

function addNodes(env: InteractionEnv, b: TestBlock): void {
  const count = toInt(b.args[0]?.vals.length === 0 ? b.args[0].key : '');
  const opts: NodeOptions = { ...DEFAULT_NODE_OPTIONS };
  let voters: NodeId[] | undefined;
  let learners: NodeId[] | undefined;
  let index: number | undefined;
  let content = '';
  for (const a of b.args.slice(1)) {
    const one = (): string => {
      if (a.vals.length !== 1) throw new Error(`add-nodes: ${a.key} takes one value`);
      return a.vals[0] as string;
    };
    switch (a.key) {
      case 'voters': voters = a.vals.map(toId); break;
      case 'learners': learners = a.vals.map(toId); break;
      case 'index': index = toInt(one()); break;
      case 'content': content = a.vals.join(','); break;
      case 'checkquorum': opts.checkQuorum = toBool(one()); break;
      case 'prevote': opts.preVote = toBool(one()); break;
      case 'read-only': opts.readOnlyOption = readOnlyOption(one()); break;
      case 'election-tick': opts.electionTick = toInt(one()); break;
      case 'heartbeat-tick': opts.heartbeatTick = toInt(one()); break;
      case 'max-size-per-msg': opts.maxSizePerMsg = toInt(one()); break;
      case 'max-inflight': opts.maxInflightMsgs = toInt(one()); break;
      case 'disable-proposal-forwarding': opts.disableProposalForwarding = toBool(one()); break;
      default: throw new Error(`add-nodes: unknown argument "${a.key}"`);
    }
  }
  let init: InitialState;
  if (voters !== undefined || learners !== undefined) {
    init = { kind: 'snapshot', index: index ?? 1, confState: { voters: voters ?? [], learners: learners ?? [] }, content };
  } else {
    if (index !== undefined) throw new Error('add-nodes: index= needs voters= (the snapshot\'s configuration)');
    init = { kind: env.nodes.size === 0 ? 'bootstrap' : 'empty' };
  }
  for (const n of env.addNodes(count, init, opts)) env.output(describeNodeState(n));
}

function deliverMsgs(env: InteractionEnv, b: TestBlock): void {
  const rs: Recipient[] = [];
  let type: MessageType | undefined;
  for (const a of b.args) {
    if (a.key === 'drop') {
      for (const v of a.vals) rs.push({ id: toId(v), drop: true });
    } else if (a.key === 'type') {
      type = a.vals[0] as MessageType;
    } else if (a.vals.length === 0) {
      rs.push({ id: toId(a.key), drop: false });
    } else {
      throw new Error(`deliver-msgs: unknown argument "${a.key}"`);
    }
  }
  const seen = new Set<NodeId>();
  for (const r of rs) {
    if (seen.has(r.id)) throw new Error(`deliver-msgs: node ${r.id} named twice (deliver and drop?)`);
    seen.add(r.id);
  }
  if (env.deliverMsgs(rs, type) === 0) env.output('no messages');
}

/**
 * Ticks until the node's election timeout (randomized in [T, 2T)) fires once, i.e. until its role
 * or term changes or it produces a Ready, at most 2T-1 ticks. A leader ticks T times: one
 * check-quorum period (and T/heartbeatTick heartbeat rounds).
 */
function tickElection(n: EnvNode): void {
  const T = n.config.electionTick;
  const before = n.rn.status();
  if (before.softState.raftState === 'Leader') return tick(n, T);
  const hadReady = n.rn.hasReady();
  for (let k = 0; k < 2 * T - 1; k++) {
    n.rn.tick();
    const now = n.rn.status();
    if (now.softState.raftState !== before.softState.raftState || now.hardState.term !== before.hardState.term) return;
    if (!hadReady && n.rn.hasReady()) return;
  }
}

function tick(n: EnvNode, count: number): void {
  for (let k = 0; k < count; k++) n.rn.tick();
}

/** `1: Leader (Voter) Term:2 Lead:1 Commit:5 Applied:5`. */
export function describeNodeState(n: EnvNode): string {
  const st = n.rn.status();
  const role = st.confState.voters.includes(n.id) ? 'Voter' : st.confState.learners.includes(n.id) ? 'Learner' : 'Non-member';
  return (
    `${n.id}: ${st.softState.raftState} (${role}) Term:${st.hardState.term} Lead:${st.softState.lead}` +
    ` Commit:${st.hardState.commit} Applied:${n.applied}`
  );
}

function printLog(env: InteractionEnv, n: EnvNode): void {
  const first = n.storage.firstIndex();
  const last = n.storage.lastIndex();
  if (last < first) {
    env.output(`log is empty: first index=${first}, last index=${last}`);
    return;
  }
  env.output(describeEntries(n.storage.entries(first, last + 1, Number.MAX_SAFE_INTEGER)));
}

function printStatus(env: InteractionEnv, n: EnvNode): void {
  const st = n.rn.status();
  env.output(`${describeNodeState(n)} LeadTransferee:${st.leadTransferee}`);
  env.output(`HardState ${describeHardState(st.hardState)}`);
  env.output(`Data:[${n.data.join(' ')}]`);
  if (st.progress === undefined) return;
  for (const [id, pr] of [...st.progress.entries()].sort((a, b) => a[0] - b[0])) {
    let s = `${id}: ${pr.state} match=${pr.match} next=${pr.next}`;
    if (pr.isLearner) s += ' learner';
    if (!pr.recentActive) s += ' inactive';
    if (pr.state === 'Snapshot') s += ` pendingSnap=${pr.pendingSnapshot}`;
    if (pr.inflights > 0) s += ` inflight=${pr.inflights}`;
    env.output(s);
  }
}

function printError(env: InteractionEnv, err: Error | null): void {
  if (err) env.output(`error: ${err.message}`);
}

type Strings<N extends number, T extends string[] = []> = T['length'] extends N ? T : Strings<N, [...T, string]>;

/** Exactly `count` positional arguments. */
function positional<N extends number>(b: TestBlock, count: N): Strings<N> {
  if (b.args.length !== count || b.args.some((a) => a.vals.length > 0)) {
    throw new Error(`${b.cmd}: expected ${count} positional argument(s), got "${b.cmdLine}"`);
  }
  return b.args.map((a) => a.key) as Strings<N>;
}

function ids(b: TestBlock): NodeId[] {
  return b.args.map((a: CmdArg) => {
    if (a.vals.length > 0) throw new Error(`${b.cmd}: unexpected argument "${a.key}="`);
    return toId(a.key);
  });
}

function firstId(b: TestBlock): NodeId {
  return toId(positional(b, 1)[0]);
}

function kwarg(b: TestBlock, key: string): string {
  const a = b.args.find((x) => x.key === key);
  if (a === undefined || a.vals.length !== 1) throw new Error(`${b.cmd}: needs ${key}=VALUE`);
  return a.vals[0] as string;
}

function toInt(s: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`expected a non-negative integer, got "${s}"`);
  return Number(s);
}

function toId(s: string): NodeId {
  const id = toInt(s);
  if (id === 0) throw new Error('node ids start at 1');
  return id;
}

function toBool(s: string): boolean {
  if (s !== 'true' && s !== 'false') throw new Error(`expected true or false, got "${s}"`);
  return s === 'true';
}

function readOnlyOption(s: string): 'Safe' | 'LeaseBased' {
  if (s === 'safe') return 'Safe';
  if (s === 'lease-based') return 'LeaseBased';
  throw new Error(`read-only: expected safe or lease-based, got "${s}"`);
}
