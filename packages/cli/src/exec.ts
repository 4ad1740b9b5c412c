import { spawnSync } from 'node:child_process';
import { CommandFailedError } from './errors';

/**
 * Runs a short-lived tool (ip, iptables) to completion. Network set-up is a sequence of steps that
 * each must succeed before the next makes sense, so these calls are synchronous on purpose.
 */
export function run(argv: readonly string[], input?: string): string {
  const [cmd, ...args] = argv as [string, ...string[]];
  const res = spawnSync(cmd, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  if (res.error !== undefined) throw new CommandFailedError(argv, res.error.message, { cause: res.error });
  if (res.status !== 0) throw new CommandFailedError(argv, res.stderr || res.stdout);
  return res.stdout;
}

/** For clean-up and probes: failure is an answer, not an error. */
export function tryRun(argv: readonly string[], input?: string): boolean {
  try {
    run(argv, input);
    return true;
  } catch {
    return false;
  }
}
