/**
 * One supervised service: spawns its process, and when the process exits decides, from the compose
 * restart policy and how it ended, whether to start it again after a backoff.
 *
 * Stopped by the user vs crashed (the docker rule): `kubemu kill` with a signal meant to stop
 * (KILL, TERM, INT, QUIT), `down`, or a process exiting on its own under restart "no" leave the service
 * stopped until `kubemu start`; `kill` with any other signal (HUP, USR1, ...) only delivers it.
 * A process that dies of anything else - including a `kill -9 <pid>` from another shell - crashed,
 * and the policy decides: always / unless-stopped restart it, on-failure[:N] restarts it after a
 * non-zero exit or a signal (at most N times), no leaves it exited.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { Backoff, SeededRng } from '@kubemu/base';
import type { RestartPolicy } from './compose-file';
import { processStartTime } from './run-dir';
import type { ServiceState } from './run-dir';

export interface LaunchSpec {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
}

const STOP_SIGNALS = new Set<NodeJS.Signals>(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGQUIT']);
/** A run this long counts as healthy: the next crash starts the backoff from the beginning again. */
const STABLE_MS = 10_000;

export class ServiceProcess {
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private startedAtMs = 0;
  private readonly backoff = new Backoff({ initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0.1 }, new SeededRng(Date.now()));
  private exitWaiters: Array<() => void> = [];

  constructor(
    readonly state: ServiceState,
    private readonly policy: RestartPolicy,
    private readonly launch: LaunchSpec,
    private readonly changed: () => void,
    private readonly log: (msg: string) => void,
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the process (again); clears a user stop, as `docker start` does. */
  start(): void {
    this.state.stoppedByUser = false;
    this.clearTimer();
    if (this.child !== undefined) return;
    const fd = openSync(this.launch.logFile, 'a');
    let child: ChildProcess;
    try {
      const [cmd, ...args] = this.launch.argv as [string, ...string[]];
      // detached: its own process group, so a signal reaches the whole service (its children too)
      // and Ctrl-C on a foreground `up` reaches the supervisor only, which then stops services in order.
      child = spawn(cmd, args, { cwd: this.launch.cwd, env: this.launch.env, stdio: ['ignore', fd, fd], detached: true });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    this.startedAtMs = Date.now();
    child.once('error', (err) => {
      this.log(`${this.state.name}: cannot start: ${err.message}`);
      // A spawn that failed (no such program) emits no 'exit': treat it as exit 127, as a shell would.
      if (child.pid === undefined) this.onExit(child, 127, null);
    });
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    const pid = child.pid;
    this.state.status = pid === undefined ? 'exited' : 'running';
    if (pid !== undefined) {
      this.state.pid = pid;
      const startTime = processStartTime(pid);
      if (startTime !== undefined) this.state.pidStartTime = startTime;
    }
    this.state.startedAt = new Date().toISOString();
    this.state.exitCode = null;
    this.state.exitSignal = null;
    this.log(`${this.state.name}: started pid ${pid ?? '?'}`);
    this.changed();
  }

  /** `kubemu kill`: delivers the signal to the service's process group. */
  kill(signal: NodeJS.Signals): void {
    if (STOP_SIGNALS.has(signal)) {
      this.state.stoppedByUser = true;
      this.clearTimer();
      if (this.child === undefined) this.state.status = 'stopped';
    }
    this.signal(signal);
    this.changed();
  }

  /** `down`: SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
  async stop(graceMs: number): Promise<void> {
    this.state.stoppedByUser = true;
    this.clearTimer();
    if (this.child === undefined) {
      this.state.status = 'stopped';
      return;
    }
    const gone = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already (or the process left it): signal the process itself.
      try {
        process.kill(pid, signal);
      } catch {
        // Already exited; the exit handler has the last word.
      }
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.state.exitCode = code;
    this.state.exitSignal = signal;
    delete this.state.pid;
    delete this.state.pidStartTime;
    for (const w of this.exitWaiters.splice(0)) w();
    const how = signal !== null ? `signal ${signal}` : `code ${code}`;
    if (this.state.stoppedByUser) {
      this.state.status = 'stopped';
      this.log(`${this.state.name}: stopped (${how})`);
    } else if (this.shouldRestart(code, signal)) {
      if (Date.now() - this.startedAtMs >= STABLE_MS) this.backoff.reset();
      const delay = Math.round(this.backoff.next());
      this.state.status = 'restarting';
      this.log(`${this.state.name}: exited (${how}), restarting in ${delay} ms`);
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        this.state.restarts++;
        this.start();
      }, delay);
    } else {
      this.state.status = 'exited';
      this.log(`${this.state.name}: exited (${how})`);
    }
    this.changed();
  }

  private shouldRestart(code: number | null, signal: NodeJS.Signals | null): boolean {
    switch (this.policy.kind) {
      case 'no':
        return false;
      case 'always':
      case 'unless-stopped':
        return true;
      case 'on-failure': {
        const failed = signal !== null || code !== 0;
        return failed && (this.policy.maxRetries === undefined || this.state.restarts < this.policy.maxRetries);
      }
    }
  }

  private clearTimer(): void {
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }
}
