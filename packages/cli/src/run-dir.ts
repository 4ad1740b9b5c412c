/**
 * The run directory `<run-root>/<project>/` holds everything another shell needs to find and control
 * a running project: state.json (written by the supervisor after every change, atomically), the
 * control socket, logs/<service>.log and volumes/<name>/. It is the only shared state: every command
 * other than `up` starts from it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Mode = 'netns' | 'loopback';

export type ServiceStatus = 'starting' | 'running' | 'restarting' | 'exited' | 'stopped';

export interface ServiceState {
  name: string;
  address: string;
  /** Network namespace the process runs in (netns mode); shared with its owner for network_mode service:X. */
  netns?: string;
  /** Host end of the veth pair (netns mode, namespace owners only). */
  veth?: string;
  pid?: number;
  /** /proc start time of pid, so a recycled pid is never signalled by mistake. */
  pidStartTime?: number;
  status: ServiceStatus;
  /** Set when `kubemu kill`/`down` stopped it: the restart policy does not apply until `start`. */
  stoppedByUser: boolean;
  exitCode?: number | null;
  exitSignal?: string | null;
  restarts: number;
  startedAt?: string;
}

export interface RunState {
  project: string;
  mode: Mode;
  composeFile: string;
  /** The project's directory: processes run here. */
  workDir: string;
  slot: number;
  supervisorPid: number;
  bridge?: string;
  /** Groups cut off by `partition`; every service not listed forms one more group. */
  partitions: string[][];
  services: ServiceState[];
}

export class RunDir {
  constructor(readonly dir: string) {}

  static forProject(runRoot: string, project: string): RunDir {
    return new RunDir(path.resolve(runRoot, project));
  }

  get stateFile(): string {
    return path.join(this.dir, 'state.json');
  }

  get supervisorLog(): string {
    return path.join(this.dir, 'supervisor.log');
  }

  /** AF_UNIX paths are limited to about 107 bytes; deep run directories fall back to the temp dir. */
  get socketPath(): string {
    const inside = path.join(this.dir, 'control.sock');
    if (Buffer.byteLength(inside) < 100) return inside;
    const digest = createHash('sha256').update(this.dir).digest('hex').slice(0, 16);
    return path.join(os.tmpdir(), `kubemu-${digest}.sock`);
  }

  logFile(service: string): string {
    return path.join(this.dir, 'logs', `${service}.log`);
  }

  volumeDir(volume: string): string {
    return path.join(this.dir, 'volumes', volume);
  }

  ensure(): void {
    mkdirSync(path.join(this.dir, 'logs'), { recursive: true });
    mkdirSync(path.join(this.dir, 'volumes'), { recursive: true });
  }

  readState(): RunState | undefined {
    try {
      return JSON.parse(readFileSync(this.stateFile, 'utf8')) as RunState;
    } catch {
      return undefined;
    }
  }

  /** Write-then-rename: a reader in another shell never sees half a file. */
  writeState(state: RunState): void {
    const tmp = `${this.stateFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state, null, 2));
    renameSync(tmp, this.stateFile);
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), or undefined when pid is gone or a zombie. */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has exited; it only waits for a parent (often init, after `up -d`) to reap it.
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

/** True when pid is alive and is still the process that was started (not a recycled pid). */
export function isSameProcess(pid: number | undefined, startTime: number | undefined): boolean {
  if (pid === undefined) return false;
  const now = processStartTime(pid);
  return now !== undefined && (startTime === undefined || now === startTime);
}
