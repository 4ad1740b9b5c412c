/**
 * The supervisor is the `up` process: it builds the network, starts services in dependency order,
 * restarts them per policy, serves the control socket, and keeps state.json current for readers in
 * other shells. `down` (from the socket or Ctrl-C) stops services in reverse order and removes every
 * namespace, veth and /etc/netns entry it made, and the bridge when no other project holds a slot.
 */
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import type { ComposeProject, ServiceSpec } from './compose-file';
import { serveControl } from './control';
import type { ControlRequest } from './control';
import { LauncherError } from './errors';
import { rewriteForLoopback } from './loopback';
import { applyPartitions, createNamespace, ensureBridge, netnsArgv, removeBridge, removeNamespace } from './netns';
import { BRIDGE, hostsFile, kubemuEnv, placeServices } from './placement';
import type { Placement } from './placement';
import type { Mode, RunDir, RunState } from './run-dir';
import { ServiceProcess } from './service-process';
import type { LaunchSpec } from './service-process';
import { acquireSlot, releaseSlot, slotsInUse } from './slots';
import { withDependencies } from './start-order';

/** Variables a service inherits from the launcher; compose passes none, but a process needs PATH to exec. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'TZ', 'USER'];
const GRACE_MS = 10_000;

export interface SupervisorOptions {
  project: ComposeProject;
  composeFile: string;
  mode: Mode;
  runDir: RunDir;
  /** Services named on the command line (with their dependencies); all when empty. */
  only: string[];
}

export class Supervisor {
  private readonly services = new Map<string, ServiceProcess>();
  private readonly state: RunState;
  private readonly placements: Map<string, Placement>;
  private readonly selected: ServiceSpec[];
  private server: net.Server | undefined;
  private downing: Promise<void> | undefined;

  constructor(private readonly opts: SupervisorOptions) {
    const { project, mode, runDir } = opts;
    for (const name of opts.only) {
      if (!project.services.some((s) => s.name === name)) throw new LauncherError(`no such service: ${name}`);
    }
    this.selected = opts.only.length === 0 ? project.services : withDependencies(project.services, opts.only);
    runDir.ensure();
    const slot = acquireSlot(project.name, runDir.dir);
    this.placements = placeServices(project, mode, slot);
    this.state = {
      project: project.name,
      mode,
      composeFile: opts.composeFile,
      workDir: project.dir,
      slot,
      supervisorPid: process.pid,
      partitions: [],
      services: this.selected.map((s) => {
        const p = this.placements.get(s.name) as Placement;
        return { name: s.name, address: p.address, ...(p.netns ? { netns: p.netns } : {}), ...(p.owner === s.name && p.veth ? { veth: p.veth } : {}), status: 'starting', stoppedByUser: false, restarts: 0 };
      }),
    };
    if (mode === 'netns') this.state.bridge = BRIDGE.name;
  }

  /** Builds the network and starts every selected service; returns once all were spawned. */
  up(): void {
    const { project, runDir } = this.opts;
    this.save();
    const hosts = hostsFile(project.name, this.placements.values());
    writeFileSync(path.join(runDir.dir, 'hosts'), hosts);
    if (this.opts.mode === 'netns') {
      ensureBridge();
      for (const p of this.ownedNamespaces()) createNamespace(p, hosts);
    }
    this.server = serveControl(runDir.socketPath, (req) => this.handle(req));
    for (const spec of this.selected) {
      const st = this.state.services.find((s) => s.name === spec.name);
      if (st === undefined) continue;
      const proc = new ServiceProcess(st, spec.restart, this.launchSpec(spec), () => this.save(), (m) => this.log(m));
      this.services.set(spec.name, proc);
      proc.start();
    }
  }

  /** Stops everything and removes what `up` made. Safe to call twice (Ctrl-C during a socket `down`). */
  down(removeVolumes = false): Promise<void> {
    this.downing ??= this.doDown(removeVolumes);
    return this.downing;
  }

  private async doDown(removeVolumes: boolean): Promise<void> {
    const reversed = [...this.selected].reverse();
    // Reverse start order, so a service never outlives one it joined (network_mode) or depends on.
    for (const spec of reversed) await this.services.get(spec.name)?.stop(GRACE_MS);
    cleanUpNetwork(this.state);
    releaseSlot(this.state.slot, this.opts.runDir.dir);
    if (this.state.mode === 'netns' && slotsInUse() === 0) removeBridge();
    rmSync(this.opts.runDir.stateFile, { force: true });
    if (removeVolumes) rmSync(path.join(this.opts.runDir.dir, 'volumes'), { recursive: true, force: true });
    this.log('down');
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    rmSync(this.opts.runDir.socketPath, { force: true });
  }

  private async handle(req: ControlRequest): Promise<unknown> {
    switch (req.op) {
      case 'status':
        return this.state;
      case 'kill':
        this.service(req.service).kill(req.signal);
        return this.state;
      case 'start':
        this.service(req.service).start();
        return this.state;
      case 'partition':
        return this.partition(req.services);
      case 'heal':
        this.state.partitions = [];
        this.applyPartitions();
        return this.state;
      case 'down':
        // Answer first, exit after: the process lives until the response is flushed.
        void this.down(req.volumes).then(() => setTimeout(() => process.exit(0), 50));
        return { stopping: true };
    }
  }

  private partition(names: string[]): RunState {
    if (this.state.mode !== 'netns') throw new LauncherError('partition needs netns mode (root); loopback services share one network');
    if (names.length === 0) throw new LauncherError('partition needs at least one service');
    // Services sharing a namespace (network_mode service:X) are partitioned with the namespace's owner.
    const owners = [...new Set(names.map((n) => (this.placements.get(n) ?? this.fail(n)).owner))];
    this.state.partitions = this.state.partitions.map((g) => g.filter((n) => !owners.includes(n))).filter((g) => g.length > 0);
    this.state.partitions.push(owners);
    this.applyPartitions();
    return this.state;
  }

  private applyPartitions(): void {
    applyPartitions(this.ownedNamespaces(), this.state.partitions);
    this.save();
  }

  private launchSpec(spec: ServiceSpec): LaunchSpec {
    const { project, runDir } = this.opts;
    const self = this.placements.get(spec.name) as Placement;
    const inherited = Object.fromEntries(INHERITED_ENV.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k] as string]])));
    const volumes = spec.volumes.map((v) => {
      const host = v.kind === 'volume' ? runDir.volumeDir(v.source) : v.source;
      mkdirSync(host, { recursive: true });
      return { host, target: v.target, readOnly: v.readOnly };
    });
    const base = { ...inherited, ...spec.environment, ...kubemuEnv(project.name, self, this.placements.values(), path.join(runDir.dir, 'hosts')) };
    const logFile = runDir.logFile(spec.name);
    if (this.opts.mode === 'netns') {
      return { argv: netnsArgv(self.netns as string, spec.argv, volumes), env: base, cwd: project.dir, logFile };
    }
    const ctx = {
      selfAddress: self.address,
      addresses: new Map([...this.placements.values()].map((p) => [p.name, p.address])),
      volumes: volumes.map((v) => [v.target, v.host] as const),
    };
    const env = Object.fromEntries(Object.entries(base).map(([k, v]) => [k, spec.environment[k] === undefined ? v : rewriteForLoopback(v, ctx)]));
    return { argv: spec.argv.map((a) => rewriteForLoopback(a, ctx)), env, cwd: project.dir, logFile };
  }

  private ownedNamespaces(): Placement[] {
    return this.selected.map((s) => this.placements.get(s.name) as Placement).filter((p) => p.owner === p.name && p.netns !== undefined);
  }

  private service(name: string): ServiceProcess {
    return this.services.get(name) ?? this.fail(name);
  }

  private fail(name: string): never {
    throw new LauncherError(`no such service in this project: ${name}`);
  }

  private save(): void {
    if (this.downing === undefined) this.opts.runDir.writeState(this.state);
  }

  private log(msg: string): void {
    appendFileSync(this.opts.runDir.supervisorLog, `${new Date().toISOString()} ${msg}\n`);
  }
}

/** Removes the namespaces, veths and /etc/netns entries named in a state file (also used without a supervisor). */
export function cleanUpNetwork(state: RunState): void {
  if (state.mode !== 'netns') return;
  for (const s of state.services) {
    if (s.veth !== undefined && s.netns !== undefined) removeNamespace({ name: s.name, address: s.address, owner: s.name, netns: s.netns, veth: s.veth });
  }
}
