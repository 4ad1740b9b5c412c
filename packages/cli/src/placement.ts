/**
 * Where each service lives on the network: its address, and in netns mode its namespace and veth.
 * The plan is a pure function of the compose file, the mode and the project's slot, so `up`, `down`
 * and every other command agree on it without asking each other.
 */
import type { ComposeProject } from './compose-file';
import type { Mode } from './run-dir';

/** The bridge all netns-mode projects share; 172.28/16 stays clear of Docker's 172.17-172.2x defaults. */
export const BRIDGE = { name: 'kubemu0', address: '172.28.0.1', prefix: 16 } as const;

export interface Placement {
  name: string;
  address: string;
  /** The service whose namespace this one runs in: itself, or X for network_mode service:X. */
  owner: string;
  netns?: string;
  veth?: string;
}

export function placeServices(project: ComposeProject, mode: Mode, slot: number): Map<string, Placement> {
  const out = new Map<string, Placement>();
  project.services.forEach((svc, i) => {
    if (svc.networkMode.kind === 'service') return;
    const address = mode === 'netns' ? `172.28.${slot}.${10 + i}` : `127.0.${slot}.${10 + i}`;
    const own: Placement = { name: svc.name, address, owner: svc.name };
    if (mode === 'netns') {
      own.netns = `kubemu-${project.name}-${svc.name}`;
      // Interface names are limited to 15 bytes, so the veth is named by slot and index.
      own.veth = `km${slot}s${i}`;
    }
    out.set(svc.name, own);
  });
  // Start order puts X before any service that joins it, but resolve chains (A joins B joins C) anyway.
  const resolveOwner = (name: string): Placement => {
    const direct = out.get(name);
    if (direct !== undefined) return direct;
    const svc = project.services.find((s) => s.name === name);
    if (svc === undefined || svc.networkMode.kind !== 'service') throw new Error(`unplaceable service ${name}`);
    return resolveOwner(svc.networkMode.service);
  };
  for (const svc of project.services) {
    if (svc.networkMode.kind !== 'service') continue;
    const owner = resolveOwner(svc.networkMode.service);
    const joined: Placement = { name: svc.name, address: owner.address, owner: owner.owner };
    if (owner.netns !== undefined) joined.netns = owner.netns;
    out.set(svc.name, joined);
  }
  return out;
}

/** /etc/hosts for a project: localhost plus every service as `name` and `name.project`. */
export function hostsFile(project: string, placements: Iterable<Placement>): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  for (const p of placements) lines.push(`${p.address}\t${p.name} ${p.name}.${project}`);
  return `${lines.join('\n')}\n`;
}

/** Environment every service gets, in both modes: who it is and where everyone is. */
export function kubemuEnv(project: string, self: Placement, placements: Iterable<Placement>, hostsPath: string): Record<string, string> {
  const env: Record<string, string> = {
    KUBEMU_PROJECT: project,
    KUBEMU_SERVICE: self.name,
    KUBEMU_ADDR: self.address,
    KUBEMU_HOSTS: hostsPath,
  };
  for (const p of placements) env[`KUBEMU_ADDR_${p.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = p.address;
  return env;
}
