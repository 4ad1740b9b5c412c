/**
 * The component processes a bench starts, over testkit's startProcess (which kills every child
 * still running when the bench exits), and the bench's polling wait.
 */
import path from 'node:path';
import { REPO_ROOT, startProcess } from '@kubemu/testkit';
import type { Proc } from '@kubemu/testkit';

/** `node [nodeFlags] packages/<main> args` in `dir`, logging to `<dir>/<name>.log`. */
export function startMain(name: string, dir: string, main: string, args: string[], nodeFlags: string[] = []): Proc {
  return startProcess(name, process.execPath, [...nodeFlags, path.join(REPO_ROOT, 'packages', main), ...args], dir);
}

/** Polls `cond` every 250 ms until it holds; throws after `timeoutMs`. An error `cond` throws ends the wait at once (unlike testkit's waitFor, which retries it). */
export async function waitUntil(what: string, timeoutMs: number, cond: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
