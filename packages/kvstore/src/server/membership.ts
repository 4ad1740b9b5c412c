/**
 * Membership changes (etcd's MemberAdd, MemberRemove, MemberPromote) as Raft single-server
 * ConfChanges. The leader validates and proposes; every member applies the committed change:
 * it updates the known members (names and peer URLs, which Raft's ConfState does not hold),
 * records them in <data-dir>/cluster.json through `record`, and tells the peer transport to dial
 * or drop the member. The proposer's caller is answered when the change applies on the proposer.
 *
 * Ids are derived as for founding members (memberId(peerURLs, token)), so a member started with
 * --initial-cluster-state existing computes the id `member add` assigned without asking anyone.
 */
import type { Clock, Logger, Timer } from '@kubemu/base';
import { ProposalDroppedError } from '@kubemu/raft';
import type { ConfChange, ConfState, RaftNodeDriver } from '@kubemu/raft';
import { ErrNoLeader, EtcdError, GrpcCode } from '../mvcc';
import type { ResponseHeader } from '../mvcc';
import type * as T from '../grpc/etcd-types';
import { serverErrors } from '../grpc/errors';
import type { PeerChannel } from '../peer/peer-transport';
import { memberId } from './cluster-config';
import { MEMBER_ADD, MEMBER_PROMOTE, MEMBER_REMOVE, MEMBER_REMOVED, forwardToLeader } from './leader-forwarding';
import type { MemberConfig } from './cluster-config';

/** etcd's rpctypes errors for membership changes (code and text are what clients match on). */
export const memberErrors = {
  peerURLExists: () => new EtcdError('PeerURLExist', GrpcCode.FAILED_PRECONDITION, 'etcdserver: Peer URLs already exists'),
  memberExists: () => new EtcdError('MemberExist', GrpcCode.FAILED_PRECONDITION, 'etcdserver: member ID already exist'),
  badURLs: () => new EtcdError('MemberBadURLs', GrpcCode.INVALID_ARGUMENT, 'etcdserver: given member URLs are invalid'),
  notEnoughStarted: () =>
    new EtcdError('MemberNotEnoughStarted', GrpcCode.FAILED_PRECONDITION, 'etcdserver: re-configuration failed due to not enough started members'),
  notLearner: () => new EtcdError('MemberNotLearner', GrpcCode.FAILED_PRECONDITION, 'etcdserver: can only promote a learner member'),
  learnerNotReady: () =>
    new EtcdError('LearnerNotReady', GrpcCode.FAILED_PRECONDITION, 'etcdserver: can only promote a learner member which is in sync with leader'),
  /** etcd 3.4's raft turns a second pending change into a no-op and the caller times out: same answer, at once. */
  changePending: () => new EtcdError('Timeout', GrpcCode.UNAVAILABLE, 'etcdserver: request timed out'),
};

/** The ConfChange context: who the member is, and which caller on the proposer waits for it. */
interface ChangeContext {
  name?: string;
  peerURLs?: string[];
  req?: string;
}

export interface MembershipOptions {
  selfId: number;
  token: string;
  members: MemberConfig[];
  driver: RaftNodeDriver;
  peers: PeerChannel | undefined;
  clock: Clock;
  logger: Logger;
  timeoutMs: number;
  /** Persists the known members (cluster.json) so that restarts know later changes. */
  record: (members: MemberConfig[]) => void;
  /** This member was removed: it must stop serving. */
  onRemoved: () => void;
  header: () => ResponseHeader;
  /** Names and client URLs peers told in their hello. */
  attributes: (id: number) => { name: string; clientURLs: string[] } | undefined;
  selfClientURLs: string[];
}

export class Membership {
  readonly known: Map<number, MemberConfig>;
  private readonly waiters = new Map<string, { resolve: () => void; reject: (e: unknown) => void; timer: Timer }>();
  private seq = 0;

  constructor(private readonly o: MembershipOptions) {
    this.known = new Map(o.members.map((m) => [m.id, m]));
    o.driver.onConfChange((cc, cs) => this.applied(cc, cs));
  }

  /** etcd's member list: Raft's ConfState, with the names and URLs known for each member. */
  list(): T.MemberListResponse {
    const cs = this.o.driver.status().confState;
    const toMember = (id: number, isLearner: boolean): T.Member => ({
      ID: id,
      // An added member's name is known once it started and said hello (etcd: once it published).
      name: this.known.get(id)?.name || (this.o.attributes(id)?.name ?? ''),
      peerURLs: this.known.get(id)?.peerURLs ?? [],
      clientURLs: id === this.o.selfId ? this.o.selfClientURLs : (this.o.attributes(id)?.clientURLs ?? []),
      isLearner,
    });
    return { header: this.o.header(), members: [...cs.voters.map((id) => toMember(id, false)), ...cs.learners.map((id) => toMember(id, true))] };
  }

  /** MemberAdd: validation needs the leader's view, so a follower forwards it. */
  async addRpc(req: T.MemberAddRequest): Promise<T.MemberAddResponse> {
    const fwd = await this.forward<T.MemberAddResponse>(MEMBER_ADD, req);
    if (fwd !== undefined) return fwd;
    const peerURLs = req.peerURLs ?? [];
    const ID = await this.add(peerURLs, req.isLearner === true);
    return { ...this.list(), member: { ID, name: '', peerURLs, clientURLs: [], isLearner: req.isLearner === true } };
  }

  /** MemberRemove and MemberPromote, on the leader. */
  async changeRpc(method: typeof MEMBER_REMOVE | typeof MEMBER_PROMOTE, ID: number): Promise<T.MemberListResponse> {
    const fwd = await this.forward<T.MemberListResponse>(method, { ID });
    if (fwd !== undefined) return fwd;
    await (method === MEMBER_REMOVE ? this.remove(ID) : this.promote(ID));
    return this.list();
  }

  /** The leader's answer when this member is a follower; undefined when this member leads. */
  private async forward<R extends { header: ResponseHeader }>(method: string, body: unknown): Promise<R | undefined> {
    const lead = this.o.driver.status().softState.lead;
    if (lead === this.o.selfId) return undefined;
    if (lead === 0 || this.o.peers === undefined) throw new ErrNoLeader();
    const r = await forwardToLeader<R>(this.o.peers, lead, method, body, this.o.timeoutMs);
    return { ...r, header: this.o.header() };
  }

  /** Leader only: validates and proposes adding a member; resolves with its id once applied here. */
  async add(peerURLs: string[], isLearner: boolean): Promise<number> {
    if (peerURLs.length === 0 || !peerURLs.every(validURL)) throw memberErrors.badURLs();
    for (const m of this.known.values()) if (m.peerURLs.some((u) => peerURLs.includes(u))) throw memberErrors.peerURLExists();
    const id = memberId(peerURLs, this.o.token);
    const cs = this.o.driver.status().confState;
    if (cs.voters.includes(id) || cs.learners.includes(id)) throw memberErrors.memberExists();
    // etcd's strict reconfig check: the new voter counts toward quorum but has not started yet.
    if (!isLearner && this.activeVoters() < Math.floor((cs.voters.length + 1) / 2) + 1) throw memberErrors.notEnoughStarted();
    await this.propose({ type: isLearner ? 'AddLearnerNode' : 'AddNode', nodeId: id }, { name: '', peerURLs });
    return id;
  }

  async remove(id: number): Promise<void> {
    const cs = this.o.driver.status().confState;
    if (!cs.voters.includes(id) && !cs.learners.includes(id)) throw serverErrors.memberNotFound();
    await this.propose({ type: 'RemoveNode', nodeId: id }, {});
  }

  async promote(id: number): Promise<void> {
    const st = this.o.driver.status();
    if (st.confState.voters.includes(id)) throw memberErrors.notLearner();
    if (!st.confState.learners.includes(id)) throw serverErrors.memberNotFound();
    // etcd's readiness rule: the learner's match is within 90% of the leader's log.
    const pr = st.progress?.get(id);
    if (pr === undefined || pr.match < 0.9 * st.hardState.commit) throw memberErrors.learnerNotReady();
    await this.propose({ type: 'AddNode', nodeId: id }, {});
  }

  /**
   * Started voters, itself included: connected over the peer transport (a stopped member's
   * connection drops at once; Raft's recentActive lags by an election timeout).
   */
  private activeVoters(): number {
    const st = this.o.driver.status();
    const connected = this.o.peers?.connectedPeers();
    const active = (v: number): boolean =>
      v === this.o.selfId || (connected !== undefined ? connected.includes(v) : st.progress?.get(v)?.recentActive === true);
    return st.confState.voters.filter(active).length;
  }

  private async propose(cc: ConfChange, ctx: ChangeContext): Promise<void> {
    const req = `${this.o.selfId.toString(16)}.${this.o.clock.wallNow().toString(36)}.${++this.seq}`;
    const done = new Promise<void>((resolve, reject) => {
      const timer = this.o.clock.setTimeout(() => {
        this.waiters.delete(req);
        reject(serverErrors.timeout());
      }, this.o.timeoutMs);
      this.waiters.set(req, { resolve, reject, timer });
    });
    try {
      await this.o.driver.proposeConfChange({ ...cc, context: Buffer.from(JSON.stringify({ ...ctx, req })) });
    } catch (err) {
      const w = this.waiters.get(req);
      this.waiters.delete(req);
      w?.timer.cancel();
      const pending = err instanceof ProposalDroppedError && /already pending/.test(err.message);
      w?.reject(pending ? memberErrors.changePending() : err instanceof ProposalDroppedError ? new ErrNoLeader() : err);
    }
    return done;
  }

  /** Every member, for every committed ConfChange (the founding ones carry no context). */
  private applied(cc: ConfChange, _cs: ConfState): void {
    let ctx: ChangeContext = {};
    try {
      if (cc.context !== undefined && cc.context.length > 0) ctx = JSON.parse(Buffer.from(cc.context).toString()) as ChangeContext;
    } catch {
      this.o.logger.warn('kvstore: conf change with an unreadable context', { nodeId: cc.nodeId.toString(16) });
    }
    const id = cc.nodeId;
    if (cc.type === 'RemoveNode') {
      const gone = this.known.delete(id);
      this.hangUp(id);
      if (gone) this.o.record([...this.known.values()]);
      this.o.logger.info('kvstore: member removed', { memberId: id.toString(16) });
      if (id === this.o.selfId) this.o.onRemoved();
    } else if (ctx.peerURLs !== undefined) {
      const old = this.known.get(id);
      this.known.set(id, { id, name: old?.name !== undefined && old.name !== '' ? old.name : (ctx.name ?? ''), peerURLs: ctx.peerURLs });
      this.o.peers?.addPeer(id, ctx.peerURLs);
      this.o.record([...this.known.values()]);
      this.o.logger.info('kvstore: member added', { memberId: id.toString(16), peerURLs: ctx.peerURLs, learner: cc.type === 'AddLearnerNode' });
    }
    if (ctx.req !== undefined) {
      const w = this.waiters.get(ctx.req);
      this.waiters.delete(ctx.req);
      w?.timer.cancel();
      w?.resolve();
    }
  }

  /**
   * Drops a removed member's connections, telling it first: Raft no longer sends it anything,
   * so it would never learn the commit of its own removal (etcd's peers answer it 410 Gone).
   */
  private hangUp(id: number): void {
    const peers = this.o.peers;
    if (peers === undefined || id === this.o.selfId) return;
    peers
      .request(id, MEMBER_REMOVED, {}, 2000)
      .catch(() => undefined)
      .finally(() => peers.removePeer(id));
  }

  /** A peer told this member it was removed; believed only from a member of the cluster. */
  removedBy(from: number): void {
    if (!this.known.has(from) || !this.known.has(this.o.selfId)) return;
    this.known.delete(this.o.selfId);
    this.o.onRemoved();
  }

  rejectAll(): void {
    for (const w of this.waiters.values()) {
      w.timer.cancel();
      w.reject(serverErrors.stopped());
    }
    this.waiters.clear();
  }
}

function validURL(u: string): boolean {
  try {
    const p = new URL(u);
    return (p.protocol === 'http:' || p.protocol === 'https:') && p.port !== '';
  } catch {
    return false;
  }
}
