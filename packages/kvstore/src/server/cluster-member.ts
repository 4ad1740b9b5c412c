/**
 * A store member of a multi-member cluster: the TCP peer transport on --listen-peer-urls wired
 * into a member (startMember). main.ts and the cluster tests both start members this way.
 *
 * Membership is fixed at bootstrap, as etcd's is: the first start records the --initial-cluster
 * it was given in <data-dir>/cluster.json, and every later start with that data dir uses the
 * record and ignores the flags (etcd likewise ignores --initial-cluster once it has a WAL).
 */
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '@kubemu/base';
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

/** The recorded membership of `dataDir`, or `initial` recorded as it (first start). */
export async function loadOrRecordMembers(dataDir: string, initial: MemberConfig[]): Promise<{ members: MemberConfig[]; restarted: boolean }> {
  const file = path.join(dataDir, CLUSTER_FILE);
  try {
    const members = JSON.parse(await readFile(file, 'utf8')) as MemberConfig[];
    if (!Array.isArray(members) || members.length === 0) throw new InvalidArgumentError(`${file} holds no members`);
    return { members, restarted: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  // Written atomically: a crash leaves either no record or a whole one.
  await writeFile(`${file}.tmp`, JSON.stringify(initial, null, 2));
  await rename(`${file}.tmp`, file);
  return { members: initial, restarted: false };
}

/** Whether `dataDir` belongs to a member that started before (a membership record or a WAL). */
async function hasRecord(dataDir: string): Promise<boolean> {
  for (const p of [path.join(dataDir, CLUSTER_FILE), path.join(dataDir, 'member', 'wal')]) {
    try {
      await access(p);
      return true;
    } catch {
      // try the next sign
    }
  }
  return false;
}

export async function startClusterMember(opts: ClusterMemberOptions): Promise<RunningClusterMember> {
  if (opts.initialClusterState === 'existing' && !(await hasRecord(opts.dataDir))) {
    // etcd joins a running cluster here, after `member add` gave it a fresh id. kvstore has no
    // member add, and rejoining under an old id with an empty log would contradict what the
    // leader knows this member acknowledged (Raft's "commit out of range").
    throw new InvalidArgumentError(
      `--initial-cluster-state existing with an empty --data-dir ${opts.dataDir}: joining a running cluster (member add) is not supported; ` +
        'restart with the member\'s old data dir, or found a new cluster with --initial-cluster-state new',
    );
  }
  const { members } = await loadOrRecordMembers(opts.dataDir, opts.initialCluster);
  const self = members.find((m) => m.name === opts.name);
  if (self === undefined) throw new InvalidArgumentError(`member ${opts.name} is not in the cluster (${members.map((m) => m.name).join(', ')})`);
  const transport = await PeerTransport.listen({
    selfId: self.id,
    clusterId: computeClusterId(members.map((m) => m.id)),
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
    member = await startMember({ ...opts, members, transport, peers: transport });
  } catch (err) {
    await transport.close();
    throw err;
  }
  // The server closes the transport when it stops.
  return { ...member, peerPort: transport.port, transport, members };
}
