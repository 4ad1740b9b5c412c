/**
 * apiserver: one kube-apiserver replica, with kube-apiserver's flags. Serves the Kubernetes API on
 * --secure-port over HTTPS with the cluster CA (created under --cert-dir at first start, shared
 * by replicas through that directory), talking only to the store at --etcd-servers.
 *
 * kubemu additions: when --token-auth-file names a missing file, the first replica creates it
 * with one system:masters token, and --admin-kubeconfig writes a kubeconfig for that token (what
 * kubeadm init's admin.conf is for a real cluster). With --nats-url, Events live in NATS JetStream
 * (max age --event-ttl) and every committed change is published on NATS (see events/index.ts);
 * without it, Events are stored like any other resource, as kube-apiserver does.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { findResource } from '@kubemu/api';
import type { ResourceInfo } from '@kubemu/api';
import { RealClock, SeededRng, createLogger } from '@kubemu/base';
import { ensureAdminToken, writeAdminKubeconfig } from './admin-credentials';
import { startApiServer } from './apiserver';
import type { RunningApiServer } from './apiserver';
import { TokenFileAuthenticator, bootstrapPolicy, ensurePki } from './auth';
import { AUTHORIZATION_RESOURCES, createSecurity, extensions, reviewHandler } from './security';
import { composeSpecial, parseDuration, startEventBus } from './events';
import type { Security } from './security';

const { values: f } = parseArgs({
  options: {
    'etcd-servers': { type: 'string', default: 'http://127.0.0.1:2379' },
    'secure-port': { type: 'string', default: '6443' },
    'bind-address': { type: 'string', default: '0.0.0.0' },
    'advertise-address': { type: 'string' },
    'service-cluster-ip-range': { type: 'string', default: '10.96.0.0/12' },
    'service-node-port-range': { type: 'string', default: '30000-32767' },
    'cert-dir': { type: 'string', default: '/var/run/kubernetes' },
    'token-auth-file': { type: 'string' },
    'authorization-mode': { type: 'string', default: 'Node,RBAC' },
    'anonymous-auth': { type: 'string', default: 'true' },
    'admin-kubeconfig': { type: 'string' },
    'admin-kubeconfig-server': { type: 'string' },
    'cluster-name': { type: 'string', default: 'kubemu' },
    'nats-url': { type: 'string' },
    'event-ttl': { type: 'string', default: '1h0m0s' },
    'etcd-compaction-interval': { type: 'string', default: '5m' },
  },
  allowPositionals: false,
});

const log = createLogger({ component: 'apiserver' });

/**
 * Caches filled before serving besides the authorizers': Leases, which every node renews every
 * 10 s. With a cache following them a renewal is one store transaction instead of a read and a
 * transaction (kube-apiserver keeps a watch cache of every resource; kubemu starts the others on
 * first use).
 */
const HEARTBEAT_RESOURCES = (): ResourceInfo[] => [findResource('coordination.k8s.io', 'v1', 'leases')!];
const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '');

/** kube-apiserver's default: the address of the host's first non-loopback IPv4 interface. */
function defaultAdvertiseAddress(): string {
  if (process.env.KUBEMU_ADDR !== undefined && process.env.KUBEMU_ADDR !== '') return process.env.KUBEMU_ADDR;
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function localIps(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((addrs) => (addrs ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address));
}

/** Go durations as the flags take them: 5m, 30s, 1h, 500ms, 0. */
function durationMs(s: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * units[m[2]!]!;
  if (total === 0 && s !== '0' && s !== '0s') throw new Error(`invalid duration ${s}`);
  return total;
}

async function main(): Promise<void> {
  const clock = new RealClock();
  const advertise = f['advertise-address'] ?? defaultAdvertiseAddress();
  const port = Number(f['secure-port']);
  const [lo, hi] = f['service-node-port-range'].split('-').map(Number) as [number, number];
  const names = [os.hostname(), process.env.KUBEMU_SERVICE ?? '', 'apiserver'].filter((n) => n !== '');
  const pki = await ensurePki(f['cert-dir'], { serverNames: names, serverIps: [...new Set([advertise, ...localIps()])] });
  const tokenPath = f['token-auth-file'];
  const adminToken = tokenPath === undefined ? undefined : ensureAdminToken(tokenPath);
  let tokenFile: TokenFileAuthenticator | undefined;
  if (tokenPath !== undefined) {
    const loaded = await TokenFileAuthenticator.fromFile(tokenPath);
    if (!loaded.ok) throw new Error(loaded.error);
    tokenFile = loaded.authenticator;
  }
  const modes = list(f['authorization-mode']);
  let security: Security | undefined;
  const eventTtlMs = parseDuration(f['event-ttl']);
  if (eventTtlMs === undefined || eventTtlMs <= 0) throw new Error(`invalid --event-ttl ${JSON.stringify(f['event-ttl'])}`);
  const eventBus = f['nats-url'] === undefined
    ? undefined
    : startEventBus({ natsUrl: f['nats-url'], cluster: f['cluster-name'], eventTtlMs, clock, rng: new SeededRng((Date.now() >>> 0) ^ 0x9e3779b9), log: log.child({ component: 'events' }) });
  const ext = extensions(
    {
      authenticate: (h, c) => security!.authenticate(h, c),
      authorize: (u, ri, q) => security!.authorize(u, ri, q),
    },
    clock,
  );
  const server: RunningApiServer = await startApiServer({
    etcdServers: list(f['etcd-servers']),
    bindAddress: f['bind-address'],
    securePort: port,
    advertiseAddress: advertise,
    serviceClusterIpRange: f['service-cluster-ip-range'],
    nodePortRange: [lo, hi],
    tls: { key: pki.servingKeyPem, cert: pki.servingCertPem, ca: pki.caCertPem },
    clock,
    rng: new SeededRng(Date.now() >>> 0),
    log,
    ext,
    policy: bootstrapPolicy(),
    warm: () => [...AUTHORIZATION_RESOURCES(), ...HEARTBEAT_RESOURCES()],
    compactionIntervalMs: durationMs(f['etcd-compaction-interval']),
    special: (registry, caches) => {
      security = createSecurity({
        caches,
        clock,
        pki,
        ...(tokenFile === undefined ? {} : { tokenFile }),
        anonymous: f['anonymous-auth'] !== 'false',
        alwaysAllow: modes.includes('AlwaysAllow'),
      });
      const reviews = reviewHandler(security, registry, clock);
      return eventBus === undefined ? reviews : composeSpecial(eventBus.attach(registry, caches, ext), reviews);
    },
  });
  if (f['admin-kubeconfig'] !== undefined && adminToken !== undefined) {
    const url = f['admin-kubeconfig-server'] ?? `https://${advertise}:${server.port}`;
    writeAdminKubeconfig(f['admin-kubeconfig'], url, pki.caCertPem, adminToken, f['cluster-name']);
    log.info('wrote admin kubeconfig', { file: f['admin-kubeconfig'], server: url });
  }
  const stop = (): void => {
    log.info('shutting down');
    void server.close().then(async () => {
      await eventBus?.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  log.error('apiserver failed', { err: String(err), stack: (err as Error).stack });
  process.exit(1);
});
