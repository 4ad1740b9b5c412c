// For tests: a real nats-server with JetStream on a random loopback port and a temporary store
// directory. stop() and start() kill it and bring it back on the same port with the same store,
// as an outage would.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const NATS_SERVER = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';

export interface TestNats {
  url: string;
  port: number;
  /** Kills the server (SIGKILL): clients see the connection drop. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

function launch(port: number, storeDir: string): Promise<{ proc: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(NATS_SERVER, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    let listening: number | undefined;
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`nats-server did not start:\n${log}`));
    }, 10_000);
    proc.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const m = /Listening for client connections on [\d.]+:(\d+)/.exec(log);
      if (m !== null) listening = Number(m[1]);
      if (listening !== undefined && log.includes('Server is ready')) {
        clearTimeout(timer);
        proc.stderr!.removeAllListeners('data');
        proc.stderr!.resume();
        resolve({ proc, port: listening });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${String(code)}:\n${log}`));
    });
  });
}

function kill(proc: ChildProcess | undefined): Promise<void> {
  if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

export async function startTestNats(): Promise<TestNats> {
  const storeDir = mkdtempSync(path.join(os.tmpdir(), 'kubemu-nats-'));
  // -p -1: the server picks a free port; later restarts reuse it.
  let { proc, port } = await launch(-1, storeDir);
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop: () => kill(proc),
    async start() {
      ({ proc, port } = await launch(port, storeDir));
    },
    async destroy() {
      await kill(proc);
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
