/**
 * Root mode networking: one network namespace per service on the bridge kubemu0 (172.28.0.1/16),
 * built with iproute2 the way a container runtime's bridge driver does it:
 *
 *   host: kubemu0 (172.28.0.1/16) ── kmPsI (veth) ══ eth0 172.28.P.(10+I)/16 in kubemu-<project>-<service>
 *
 * /etc/netns/<ns>/hosts and resolv.conf give compose-style names: `ip netns exec` mounts them over
 * /etc for the process. The host reaches every service through the bridge. There is no NAT: services
 * talk to each other and to the host, not to the outside world.
 *
 * Partition model: a partition drops packets, it does not refuse them (that would be a crash, not a
 * partition). Each namespace has an iptables chain KUBEMU-PARTITION hooked into INPUT and OUTPUT that
 * DROPs traffic to and from the addresses on the other side. Rules live inside the service's own
 * namespace, so they need no br_netfilter, cannot touch the host's firewall, leave the rest of the
 * namespace's filter table alone (kube-proxy writes there) and vanish with the namespace. The host
 * stays connected to everyone, so a test can still observe both sides.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run, tryRun } from './exec';
import { BRIDGE } from './placement';
import type { Placement } from './placement';

const CHAIN = 'KUBEMU-PARTITION';
const FORWARD_RULE = ['FORWARD', '-i', BRIDGE.name, '-o', BRIDGE.name, '-j', 'ACCEPT'];

export function netnsAvailable(): boolean {
  return process.getuid?.() === 0 && tryRun(['ip', '-V']);
}

export function ensureBridge(): void {
  if (!tryRun(['ip', 'link', 'show', BRIDGE.name])) {
    // Another project may create it at the same moment: losing that race is fine.
    tryRun(['ip', 'link', 'add', BRIDGE.name, 'type', 'bridge']);
    tryRun(['ip', 'addr', 'add', `${BRIDGE.address}/${BRIDGE.prefix}`, 'dev', BRIDGE.name]);
  }
  run(['ip', 'link', 'set', BRIDGE.name, 'up']);
  // With br_netfilter loaded, bridged frames traverse FORWARD; a host whose policy is DROP (Docker
  // sets that) would otherwise silently cut services off from each other.
  if (!tryRun(['iptables', '-C', ...FORWARD_RULE])) tryRun(['iptables', '-I', ...FORWARD_RULE]);
}

export function removeBridge(): void {
  tryRun(['iptables', '-D', ...FORWARD_RULE]);
  tryRun(['ip', 'link', 'del', BRIDGE.name]);
}

/** Creates the namespace of one service (replacing a leftover of the same name) and its /etc files. */
export function createNamespace(p: Placement, hosts: string): void {
  const ns = p.netns as string;
  const veth = p.veth as string;
  removeNamespace(p);
  run(['ip', 'netns', 'add', ns]);
  // The peer is created directly inside the namespace, so it can be called eth0 as in a container.
  run(['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  run(['ip', 'link', 'set', veth, 'master', BRIDGE.name, 'up']);
  run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  run(['ip', '-n', ns, 'addr', 'add', `${p.address}/${BRIDGE.prefix}`, 'dev', 'eth0']);
  run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
  run(['ip', '-n', ns, 'route', 'add', 'default', 'via', BRIDGE.address]);
  const etc = path.join('/etc/netns', ns);
  mkdirSync(etc, { recursive: true });
  writeFileSync(path.join(etc, 'hosts'), hosts);
  writeFileSync(path.join(etc, 'resolv.conf'), resolvConf());
}

export function removeNamespace(p: Placement): void {
  if (p.netns === undefined) return;
  tryRun(['ip', 'netns', 'del', p.netns]);
  // Deleting the namespace destroys the pair asynchronously; delete the host end now so that a
  // quick `up` after `down` can reuse the name.
  if (p.veth !== undefined) tryRun(['ip', 'link', 'del', p.veth]);
  rmSync(path.join('/etc/netns', p.netns), { recursive: true, force: true });
}

/**
 * Makes the namespaces match `groups`: two namespaces talk iff they are in the same group, where
 * every namespace not listed in any group is in one more group, "the rest". Idempotent; `[]` heals.
 */
export function applyPartitions(owners: Placement[], groups: string[][]): void {
  const groupOf = (name: string): number => groups.findIndex((g) => g.includes(name));
  for (const p of owners) {
    const mine = groupOf(p.name);
    const blocked = owners.filter((o) => groupOf(o.name) !== mine).map((o) => o.address);
    const rules = blocked.flatMap((addr) => [`-A ${CHAIN} -s ${addr}/32 -j DROP`, `-A ${CHAIN} -d ${addr}/32 -j DROP`]);
    // Declaring the chain in --noflush mode flushes just that chain: one atomic replace of our rules.
    run(['ip', 'netns', 'exec', p.netns as string, 'iptables-restore', '--noflush'], ['*filter', `:${CHAIN} - [0:0]`, ...rules, 'COMMIT', ''].join('\n'));
    for (const hook of ['INPUT', 'OUTPUT']) {
      if (!tryRun(['ip', 'netns', 'exec', p.netns as string, 'iptables', '-C', hook, '-j', CHAIN])) {
        run(['ip', 'netns', 'exec', p.netns as string, 'iptables', '-I', hook, '-j', CHAIN]);
      }
    }
  }
}

/**
 * The argv that runs a service inside its namespace. Volumes are bind-mounted at their container
 * paths inside the private mount namespace `ip netns exec` already creates for the process (with /
 * made a slave, so nothing leaks to the host): the service sees exactly the paths compose declares,
 * whatever it computes at run time, which argument rewriting could not promise.
 */
export function netnsArgv(ns: string, argv: string[], volumes: ReadonlyArray<{ host: string; target: string; readOnly: boolean }>): string[] {
  if (volumes.length === 0) return ['ip', 'netns', 'exec', ns, ...argv];
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const steps = volumes.map((v) => {
    const bind = `mkdir -p ${q(v.target)} && mount --bind ${q(v.host)} ${q(v.target)}`;
    return v.readOnly ? `${bind} && mount -o remount,bind,ro ${q(v.target)}` : bind;
  });
  const script = `${steps.join(' && ')} && exec "$@"`;
  return ['ip', 'netns', 'exec', ns, 'sh', '-c', script, 'kubemu-volumes', ...argv];
}

/** The host's resolvers minus loopback ones, which would be unreachable from a namespace. */
function resolvConf(): string {
  let host = '';
  try {
    host = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    // No resolver on the host: services resolve each other through hosts alone.
  }
  const servers = host.split('\n').filter((l) => /^\s*nameserver\s/.test(l) && !/\s(127\.|::1)/.test(l));
  return `# written by kubemu: service names resolve through /etc/hosts\n${servers.join('\n')}\n`;
}
