import { KubemuError } from '@kubemu/base';

/** compose.yaml cannot be read, parsed or understood; the message names the file and what is wrong. */
export class ComposeError extends KubemuError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ComposeInvalid', message, options);
  }
}

/** A launcher command cannot be carried out (unknown service, nothing running, not root, ...). */
export class LauncherError extends KubemuError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LauncherFailed', message, options);
  }
}

/** An external tool (ip, iptables) failed; `argv` is what was run and `stderr` what it said. */
export class CommandFailedError extends KubemuError {
  constructor(readonly argv: readonly string[], readonly stderr: string, options?: { cause?: unknown }) {
    super('CommandFailed', `${argv.join(' ')} failed: ${stderr.trim() || 'no output'}`, options);
  }
}
