/**
 * A store member of a multi-member cluster: the TCP peer transport on --listen-peer-urls wired
 * into a member (startMember). main.ts and the cluster tests both start members this way.
 *
 * The first start records the cluster in <data-dir>/cluster.json: its id, the members, and
 * whether this member founded it (bootstraps) or joined it (--initial-cluster-state existing
 * after `member add`: empty log, no bootstrap, the leader catches it up). Membership changes
 * rewrite the record, and every later start uses it and ignores the flags, as etcd does once it
 * has a WAL. The cluster id is recorded because it must not change when members do.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '@kubemu/base';
import type { Logger } from '@kubemu/base';
import { PeerTransport } from '../peer/peer-transport';
import { clusterId as computeClusterId } from './cluster-config';
import type { MemberConfig } from './cluster-config';
import { startMember } from './member';
import type { MemberOptions, RunningMember } from './member';

export interface ClusterMemberOptions extends Omit<MemberOptions, 'transport' | 'peers' | 'members'> {
  /** --initial-cluster, parsed; used only when the data dir holds no cluster yet. */
  initialCluster: MemberConfig[];
  /** --listen-peer-urls (the first one is bound; port 0 picks a free port). */
  listenPeerURL: string;
  /** --initial-cluster-state; only consulted when the data dir is empty. Default new. */
  initialClusterState?: 'new' | 'existing';
}

export interface RunningClusterMember extends RunningMember {
  peerPort: number;
  transport: PeerTransport;
  members: MemberConfig[];
}

const CLUSTER_FILE = 'cluster.json';

export interface ClusterRecord {
  /** 0 while a joining member has not heard from the cluster yet. */
  clusterId: number;
  members: MemberConfig[];
  /** false for a member that joined a running cluster: it must never bootstrap. */
  bootstrap: boolean;
}

async function writeRecord(dataDir: string, r: ClusterRecord): Promise<void> {
  const file = path.join(dataDir, CLUSTER_FILE);
  // Written atomically: a crash leaves either the old record or the new one.
  await writeFile(`${file}.tmp`, JSON.stringify(r, null, 2));
  await rename(`${file}.tmp`, file);
}

/** The recorded cluster of `dataDir`, or a new record from the flags (first start). */
export async function loadOrRecordCluster(dataDir: string, initial: MemberConfig[], join: boolean): Promise<{ record: ClusterRecord; restarted: boolean }> {
  const file = path.join(dataDir, CLUSTER_FILE);
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as ClusterRecord | MemberConfig[];
    // Records written before membership changes were a bare member list of a founding member.
    const record = Array.isArray(saved) ? { clusterId: computeClusterId(saved.map((m) => m.id)), members: saved, bootstrap: true } : saved;
    if (!Array.isArray(record.members) || record.members.length === 0) throw new InvalidArgumentError(`${file} holds no members`);
    return { record, restarted: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  const record = { clusterId: join ? 0 : computeClusterId(initial.map((m) => m.id)), members: initial, bootstrap: !join };
  await writeRecord(dataDir, record);
  return { record, restarted: false };
}

/** Serialized record writes: membership changes apply in order, so must their records. */
function recorder(dataDir: string, bootstrap: boolean, logger: Logger | undefined): (clusterId: number, members: MemberConfig[]) => void {
  let writing = Promise.resolve();
  return (clusterId, members) => {
    writing = writing
      .then(() => writeRecord(dataDir, { clusterId, members, bootstrap }))
      .catch((err: unknown) => {
        logger?.error('kvstore: cannot record the cluster membership', { error: String(err) });
      });
  };
}

export async function startClusterMember(opts: ClusterMemberOptions): Promise<RunningClusterMember> {
  // An empty data dir with state existing: this member was added with `member add` and joins.
  const { record } = await loadOrRecordCluster(opts.dataDir, opts.initialCluster, opts.initialClusterState === 'existing');
  const { members } = record;
  const self = members.find((m) => m.name === opts.name);
  if (self === undefined) throw new InvalidArgumentError(`member ${opts.name} is not in the cluster (${members.map((m) => m.name).join(', ')})`);
  const transport = await PeerTransport.listen({
    selfId: self.id,
    clusterId: record.clusterId,
    name: opts.name,
    listenURL: opts.listenPeerURL,
    peers: members.filter((m) => m.id !== self.id),
    clientURLs: opts.advertiseClientURLs,
    clock: opts.clock,
    rng: opts.rng,
    ...(opts.logger === undefined ? {} : { logger: opts.logger }),
  });
  let member: RunningMember;
  try {
    member = await startMember({
      ...opts,
      members,
      transport,
      peers: transport,
      clusterId: record.clusterId,
      join: !record.bootstrap,
      recordMembership: recorder(opts.dataDir, record.bootstrap, opts.logger),
    });
  } catch (err) {
    await transport.close();
    throw err;
  }
  // The server closes the transport when it stops.
  return { ...member, peerPort: transport.port, transport, members };
}
