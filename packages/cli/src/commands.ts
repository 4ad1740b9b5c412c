/**
 * The verbs of `kubemu`. `up` becomes (or spawns, with -d) the supervisor; every other verb finds
 * the project's run directory, asks the supervisor over the control socket, and where that makes
 * sense without one (status, logs, kill, down after the supervisor died) works from state.json alone.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadCompose } from './compose-file';
import { NoSupervisorError, request } from './control';
import { LauncherError } from './errors';
import { follow, followAll } from './logs';
import { netnsAvailable, removeBridge } from './netns';
import { RunDir, isSameProcess } from './run-dir';
import type { Mode, RunState } from './run-dir';
import { releaseSlot, slotsInUse } from './slots';
import { Supervisor, cleanUpNetwork } from './supervisor';

export interface GlobalOptions {
  file?: string;
  projectName?: string;
  runRoot?: string;
  loopback: boolean;
}

const COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

export interface Target {
  runDir: RunDir;
  composeFile: string | undefined;
  project: string;
}

/** Finds the project (from -f or ./compose.yaml, or -p) and its run directory. */
export function resolveTarget(opts: GlobalOptions): Target {
  const composeFile = opts.file !== undefined ? path.resolve(opts.file) : COMPOSE_NAMES.map((n) => path.resolve(n)).find((f) => existsSync(f));
  if (composeFile === undefined && opts.projectName === undefined) throw new LauncherError('no compose.yaml here: pass -f FILE or -p PROJECT');
  const project = composeFile !== undefined ? loadCompose(composeFile, opts.projectName === undefined ? {} : { projectName: opts.projectName }).name : (opts.projectName as string);
  const runRoot = opts.runRoot ?? process.env.KUBEMU_RUN_DIR ?? path.join(composeFile !== undefined ? path.dirname(composeFile) : process.cwd(), '.kubemu', 'run');
  return { runDir: RunDir.forProject(runRoot, project), composeFile, project };
}

function supervisorAlive(state: RunState | undefined): boolean {
  return state !== undefined && isSameProcess(state.supervisorPid, undefined);
}

export async function up(opts: GlobalOptions, services: string[], detach: boolean, supervisorOnly: boolean): Promise<void> {
  const target = resolveTarget(opts);
  if (target.composeFile === undefined) throw new LauncherError('up needs a compose file');
  const mode: Mode = opts.loopback ? 'loopback' : 'netns';
  if (mode === 'netns' && !netnsAvailable()) throw new LauncherError('network namespaces need root and iproute2 (ip); run with --loopback instead');
  const previous = target.runDir.readState();
  if (supervisorAlive(previous)) throw new LauncherError(`${target.project} is already up (supervisor pid ${previous?.supervisorPid}); run kubemu down first`);
  if (previous !== undefined) await offlineDown(target.runDir, previous);
  const project = loadCompose(target.composeFile, opts.projectName === undefined ? {} : { projectName: opts.projectName });
  if (detach) return upDetached(target, opts);
  const supervisor = new Supervisor({ project, composeFile: target.composeFile, mode, runDir: target.runDir, only: services });
  const tail = supervisorOnly ? undefined : followAll(project.services.map((s) => ({ service: s.name, file: target.runDir.logFile(s.name) })), (s) => process.stdout.write(s));
  let stopping = false;
  const stop = (): void => {
    // npm and a terminal may both deliver Ctrl-C; down() is idempotent, the message need not repeat.
    if (stopping) return;
    stopping = true;
    console.error(`kubemu: stopping ${project.name}`);
    void supervisor.down().then(() => {
      tail?.stop();
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    supervisor.up();
  } catch (err) {
    await supervisor.down();
    throw err;
  }
  if (!supervisorOnly) console.error(`kubemu: ${project.name} up in ${mode} mode; run dir ${target.runDir.dir}; Ctrl-C stops it`);
}

/** `up -d`: the same command without -d, detached, then wait until every service was spawned. */
async function upDetached(target: Target, opts: GlobalOptions): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '-d' && a !== '--detach');
  target.runDir.ensure();
  const logFd = openSync(target.runDir.supervisorLog, 'a');
  const child = spawn(process.execPath, [process.argv[1] as string, ...args, '--supervisor'], { detached: true, stdio: ['ignore', logFd, logFd], cwd: process.cwd() });
  child.unref();
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !exited) {
    const state = await request(target.runDir.socketPath, { op: 'status' }, 2000).catch(() => undefined);
    if (state !== undefined && (state as RunState).services.every((s) => s.status !== 'starting')) {
      printStatus(state as RunState, false);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = existsSync(target.runDir.supervisorLog) ? readFileSync(target.runDir.supervisorLog, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new LauncherError(`supervisor did not come up${opts.loopback ? '' : ' (netns mode)'}; its log:\n${log}`);
}

export async function down(opts: GlobalOptions, volumes: boolean): Promise<void> {
  const { runDir, project } = resolveTarget(opts);
  const state = runDir.readState();
  if (state === undefined) {
    console.error(`kubemu: ${project} is not up`);
    return;
  }
  try {
    await request(runDir.socketPath, { op: 'down', volumes });
    // The supervisor answers before it stops; down is done when it has exited.
    while (isSameProcess(state.supervisorPid, undefined)) await new Promise((r) => setTimeout(r, 100));
  } catch (err) {
    if (!(err instanceof NoSupervisorError)) throw err;
    await offlineDown(runDir, state);
    if (volumes) rmSync(path.join(runDir.dir, 'volumes'), { recursive: true, force: true });
  }
  console.error(`kubemu: ${project} down`);
}

/** Tear-down from state.json alone, for a supervisor that was killed: pids are checked before signalling. */
async function offlineDown(runDir: RunDir, state: RunState): Promise<void> {
  const alive = (): RunState['services'] => state.services.filter((s) => isSameProcess(s.pid, s.pidStartTime));
  const signalAll = (sig: NodeJS.Signals): void =>
    alive().forEach((s) => {
      try {
        process.kill(-(s.pid as number), sig);
      } catch {
        try {
          process.kill(s.pid as number, sig);
        } catch {
          // gone meanwhile
        }
      }
    });
  signalAll('SIGTERM');
  for (let i = 0; i < 100 && alive().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  signalAll('SIGKILL');
  cleanUpNetwork(state);
  releaseSlot(state.slot, runDir.dir);
  if (state.mode === 'netns' && slotsInUse() === 0) removeBridge();
  rmSync(runDir.stateFile, { force: true });
  rmSync(runDir.socketPath, { force: true });
}

export async function status(opts: GlobalOptions, json: boolean): Promise<boolean> {
  const { runDir, project } = resolveTarget(opts);
  let state: RunState | undefined;
  try {
    state = (await request(runDir.socketPath, { op: 'status' })) as RunState;
  } catch (err) {
    if (!(err instanceof NoSupervisorError)) throw err;
    state = runDir.readState();
    // Without a supervisor nothing is restarted: report what is really alive.
    state?.services.forEach((s) => {
      if (!isSameProcess(s.pid, s.pidStartTime)) s.status = s.status === 'stopped' ? 'stopped' : 'exited';
    });
  }
  if (state === undefined) {
    if (json) console.log(JSON.stringify({ project, up: false }));
    else console.log(`${project}: not up`);
    return false;
  }
  printStatus(state, json);
  return true;
}

function printStatus(state: RunState, json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ ...state, up: true, supervisorAlive: supervisorAlive(state) }, null, 2));
    return;
  }
  const rows = [['SERVICE', 'STATUS', 'PID', 'ADDRESS', 'RESTARTS', 'NETNS']];
  for (const s of state.services) {
    const how = s.status === 'exited' || s.status === 'stopped' ? `${s.status}(${s.exitSignal ?? s.exitCode ?? ''})` : s.status;
    rows.push([s.name, how, String(s.pid ?? '-'), s.address, String(s.restarts), s.netns ?? '-']);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  console.log(`project ${state.project} (${state.mode} mode, supervisor ${supervisorAlive(state) ? `pid ${state.supervisorPid}` : 'not running'})`);
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
  if (state.partitions.length > 0) console.log(`partitioned: ${state.partitions.map((g) => `[${g.join(' ')}]`).join(' | ')} | [rest]`);
}

export async function kill(opts: GlobalOptions, service: string, signal: NodeJS.Signals): Promise<void> {
  const { runDir } = resolveTarget(opts);
  try {
    await request(runDir.socketPath, { op: 'kill', service, signal });
  } catch (err) {
    if (!(err instanceof NoSupervisorError)) throw err;
    const s = runDir.readState()?.services.find((x) => x.name === service);
    if (s === undefined) throw new LauncherError(`no such service running: ${service}`);
    if (isSameProcess(s.pid, s.pidStartTime)) process.kill(-(s.pid as number), signal);
  }
}

export async function control(opts: GlobalOptions, req: { op: 'start'; service: string } | { op: 'partition'; services: string[] } | { op: 'heal' }): Promise<void> {
  const { runDir, project } = resolveTarget(opts);
  try {
    await request(runDir.socketPath, req);
  } catch (err) {
    if (err instanceof NoSupervisorError) throw new LauncherError(`${project} has no running supervisor: run kubemu up`);
    throw err;
  }
}

export async function logs(opts: GlobalOptions, service: string, followLogs: boolean): Promise<void> {
  const { runDir } = resolveTarget(opts);
  const file = runDir.logFile(service);
  if (!existsSync(file)) throw new LauncherError(`no logs for ${service} in ${runDir.dir}`);
  process.stdout.write(readFileSync(file));
  if (!followLogs) return;
  const tail = follow(file, statSync(file).size, (line) => process.stdout.write(`${line}\n`));
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  tail.stop();
}
