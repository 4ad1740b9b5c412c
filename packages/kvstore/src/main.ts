/**
 * kvstore: one etcd-compatible store member, with etcd's flags. It serves the v3 gRPC API on
 * --listen-client-urls and /health, /healthz, /livez, /readyz and /metrics on
 * --listen-metrics-urls (default http://127.0.0.1:2381, kubeadm's etcd metrics address).
 *
 * Members talk to each other over TCP on --listen-peer-urls (src/peer). The first start with an
 * empty --data-dir bootstraps from --initial-cluster, or with --initial-cluster-state existing
 * (after `etcdctl member add`) joins the running cluster without bootstrapping; later starts use
 * the membership recorded in the data dir and ignore the initial-cluster flags, as etcd does.
 */
import { parseArgs } from 'node:util';
import { RealClock, SeededRng, createLogger } from '@kubemu/base';
import { parseInitialCluster } from './server/cluster-config';
import { startClusterMember } from './server/cluster-member';
import { MvccStateMachine } from './server/mvcc-state-machine';
import { minLeaseTtlSeconds } from './mvcc';

const { values: f } = parseArgs({
  options: {
    name: { type: 'string', default: 'default' },
    'data-dir': { type: 'string' },
    'listen-client-urls': { type: 'string', default: 'http://localhost:2379' },
    'advertise-client-urls': { type: 'string', default: 'http://localhost:2379' },
    'listen-peer-urls': { type: 'string', default: 'http://localhost:2380' },
    'initial-advertise-peer-urls': { type: 'string', default: 'http://localhost:2380' },
    'initial-cluster': { type: 'string' },
    'initial-cluster-state': { type: 'string', default: 'new' },
    'initial-cluster-token': { type: 'string', default: 'etcd-cluster' },
    'heartbeat-interval': { type: 'string', default: '100' },
    'election-timeout': { type: 'string', default: '1000' },
    'listen-metrics-urls': { type: 'string', default: 'http://127.0.0.1:2381' },
    'max-request-bytes': { type: 'string', default: String(1.5 * 1024 * 1024) },
    'snapshot-count': { type: 'string', default: '100000' },
    'snapshot-catchup-entries': { type: 'string', default: '5000' },
  },
  allowPositionals: false,
});

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '');
const log = createLogger({ component: 'kvstore' });

async function main(): Promise<void> {
  const name = f.name;
  const dataDir = f['data-dir'] ?? `${name}.etcd`;
  const initialCluster = f['initial-cluster'] ?? `${name}=${list(f['initial-advertise-peer-urls'])[0] ?? ''}`;
  const members = parseInitialCluster(initialCluster, f['initial-cluster-token']);
  if (f['initial-cluster-state'] !== 'new' && f['initial-cluster-state'] !== 'existing') {
    throw new Error(`--initial-cluster-state must be new or existing, not ${f['initial-cluster-state']}`);
  }
  const electionMs = Number(f['election-timeout']);
  const clock = new RealClock();
  const self = members.find((m) => m.name === name);
  if (self === undefined) throw new Error(`--name ${name} is not in --initial-cluster ${initialCluster}`);
  const listenPeerURL = list(f['listen-peer-urls'])[0];
  if (listenPeerURL === undefined) throw new Error('--listen-peer-urls is empty');
  let removed = false;
  let started = false;
  const member = await startClusterMember({
    clusterToken: f['initial-cluster-token'],
    // etcd exits too: a removed member's data dir must not serve or rejoin.
    onRemoved: () => {
      removed = true;
      // During startup `member` is not assigned yet: the check after startup exits then.
      if (started) shutdown('removed');
    },
    name,
    dataDir,
    initialCluster: members,
    initialClusterState: f['initial-cluster-state'],
    listenPeerURL,
    advertiseClientURLs: list(f['advertise-client-urls']),
    stateMachine: new MvccStateMachine(clock, { minLeaseTtl: minLeaseTtlSeconds(electionMs) }),
    clock,
    rng: new SeededRng(Date.now() ^ self.id),
    heartbeatMs: Number(f['heartbeat-interval']),
    electionMs,
    maxRequestBytes: Number(f['max-request-bytes']),
    snapshotCount: Number(f['snapshot-count']),
    snapshotCatchUpEntries: Number(f['snapshot-catchup-entries']),
    listenClientURLs: list(f['listen-client-urls']),
    listenMetricsURLs: list(f['listen-metrics-urls']),
    logger: log,
  });
  log.info('kvstore member serving', {
    name, memberId: member.server.memberId.toString(16), clusterId: member.server.clusterId.toString(16),
    clientPorts: member.clientPorts, peerPort: member.peerPort, members: member.members.map((m) => m.name), metricsPorts: member.metricsPorts, dataDir,
  });
  function shutdown(signal: string): void {
    log.info('stopping', { signal });
    member.stop().then(
      () => process.exit(removed ? 1 : 0),
      (err: unknown) => {
        log.error('stop failed', { err: String(err) });
        process.exit(1);
      },
    );
  }
  started = true;
  if (removed) shutdown('removed');
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  log.error('kvstore failed to start', { err: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
