import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RestartPolicy } from './compose-file';
import type { ServiceState } from './run-dir';
import { ServiceProcess } from './service-process';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kubemu-proc-'));
const started: ServiceProcess[] = [];

// A restart policy would keep a process coming back after its test: stop them all.
afterAll(() => Promise.all(started.map((p) => p.stop(1000))));

/** Runs `script` under `policy` and resolves with the state once it settles (no restart pending). */
function settle(policy: RestartPolicy, script: string, until: (s: ServiceState) => boolean): Promise<ServiceState & { log: string }> {
  const state: ServiceState = { name: 'svc', address: '127.0.0.1', status: 'starting', stoppedByUser: false, restarts: 0 };
  const logFile = path.join(dir, `${Math.random()}.log`);
  return new Promise((resolve) => {
    const proc = new ServiceProcess(
      state,
      policy,
      { argv: [process.execPath, '-e', script], env: { PATH: process.env.PATH ?? '' }, cwd: dir, logFile },
      () => {
        if (until(state)) resolve({ ...state, log: readFileSync(logFile, 'utf8') });
      },
      () => undefined,
    );
    started.push(proc);
    proc.start();
  });
}

describe('ServiceProcess restart policies', () => {
  it('no: an exit leaves the service exited', async () => {
    const s = await settle({ kind: 'no' }, 'process.exit(2)', (st) => st.status === 'exited');
    expect(s).toMatchObject({ status: 'exited', exitCode: 2, restarts: 0, stoppedByUser: false });
  });

  it('on-failure: a clean exit is not restarted', async () => {
    const s = await settle({ kind: 'on-failure' }, 'process.exit(0)', (st) => st.status === 'exited');
    expect(s).toMatchObject({ status: 'exited', exitCode: 0, restarts: 0 });
  });

  it('on-failure:N: a failing service is restarted N times, then left exited', async () => {
    const s = await settle({ kind: 'on-failure', maxRetries: 2 }, 'console.log("run"); process.exit(1)', (st) => st.status === 'exited');
    expect(s).toMatchObject({ status: 'exited', exitCode: 1, restarts: 2 });
    expect(s.log.match(/run/g)).toHaveLength(3); // stdout went to the log file, appended
  });

  it('a program that cannot be started counts as a failed exit', async () => {
    const state: ServiceState = { name: 'svc', address: '127.0.0.1', status: 'starting', stoppedByUser: false, restarts: 0 };
    const proc = new ServiceProcess(state, { kind: 'no' }, { argv: ['/nonexistent/kubemu-test'], env: {}, cwd: dir, logFile: path.join(dir, 'x.log') }, () => undefined, () => undefined);
    proc.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(state).toMatchObject({ status: 'exited', exitCode: 127 });
    expect(proc.running).toBe(false);
  });

  it('always: a clean exit is restarted too', async () => {
    const s = await settle({ kind: 'always' }, 'process.exit(0)', (st) => st.restarts >= 2 && st.status === 'running');
    expect(s.restarts).toBeGreaterThanOrEqual(2);
  });

  it('kill with a stop signal keeps the service stopped; other signals are only delivered', async () => {
    const state: ServiceState = { name: 'svc', address: '127.0.0.1', status: 'starting', stoppedByUser: false, restarts: 0 };
    let onChange = (): void => undefined;
    const proc = new ServiceProcess(
      state,
      { kind: 'always' },
      { argv: [process.execPath, '-e', 'process.on("SIGUSR1", () => console.log("usr1")); setInterval(() => {}, 1000)'], env: {}, cwd: dir, logFile: path.join(dir, 'k.log') },
      () => onChange(),
      () => undefined,
    );
    started.push(proc);
    proc.start();
    await new Promise((r) => setTimeout(r, 200));
    proc.kill('SIGUSR1');
    expect(state.stoppedByUser).toBe(false);
    const stopped = new Promise<void>((resolve) => (onChange = () => state.status === 'stopped' && resolve()));
    proc.kill('SIGKILL');
    await stopped;
    await new Promise((r) => setTimeout(r, 300)); // past the first backoff: nothing comes back
    expect(state).toMatchObject({ status: 'stopped', stoppedByUser: true, restarts: 0, exitSignal: 'SIGKILL' });
    expect(proc.running).toBe(false);
  });
});
