/**
 * The component processes a bench starts (`node [nodeFlags] packages/<main> args`), each logging
 * to `<dir>/<name>.log`. Invariant: every child still running when the bench exits is SIGKILLed,
 * so an interrupted or failed run leaves no process behind.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cluster';

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Starts `node [nodeFlags] packages/<main> args` in `dir`; `main` is relative to packages/. */
export function startMain(name: string, dir: string, main: string, args: string[], nodeFlags: string[] = []): ChildProcess {
  const out = createWriteStream(path.join(dir, `${name}.log`));
  const child = spawn(process.execPath, [...nodeFlags, path.join(REPO_ROOT, 'packages', main), ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGTERM (so that --cpu-prof can write its profile), SIGKILL after 15 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await done;
  clearTimeout(t);
}

/** Polls `cond` every 250 ms until it holds; throws after `timeoutMs`. */
export async function waitUntil(what: string, timeoutMs: number, cond: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
