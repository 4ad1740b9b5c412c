/**
 * A compose project run by the real `kubemu` launcher binary, for end-to-end tests: a temp
 * directory holding the compose file and the run directory, a unique project name, netns mode
 * when we are root with iproute2 (else --loopback), and a teardown that leaves nothing behind
 * (`kubemu down -v`, then any namespace named after the project, then the temp directory).
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const kubemuBin = path.join(repoRoot, 'packages', 'cli', 'dist', 'main.js');

export type LaunchMode = 'netns' | 'loopback';

export const canNetns = process.getuid?.() === 0 && spawnSync('ip', ['-V']).status === 0;

/** netns when we can, else loopback; KUBEMU_TEST_MODE=loopback forces loopback (to test that mode as root). */
export const defaultMode: LaunchMode = process.env['KUBEMU_TEST_MODE'] === 'loopback' || !canNetns ? 'loopback' : 'netns';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ServiceStatus {
  name: string;
  status: string;
  address: string;
  restarts: number;
  netns?: string;
  pid?: number;
}

export interface ProjectStatus {
  up: boolean;
  services: ServiceStatus[];
}

/** Runs a program to completion; never rejects (a spawn failure is code 127). */
export function run(file: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      file, args,
      { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 127) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value (errors count as "not yet"). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

export class KubemuProject {
  readonly dir: string;
  readonly composeFile: string;
  readonly mode: LaunchMode;
  private upDone = false;

  constructor(readonly project: string, compose: (dir: string) => string, mode: LaunchMode = defaultMode) {
    this.mode = mode;
    this.dir = mkdtempSync(path.join(os.tmpdir(), `kubemu-${project}-`));
    this.composeFile = path.join(this.dir, 'compose.yaml');
    writeFileSync(this.composeFile, compose(this.dir));
  }

  /** `kubemu <args>` for this project (compose file, run dir and mode given). */
  kubemu(...args: string[]): Promise<Run> {
    const base = ['-f', this.composeFile, '--run-dir', path.join(this.dir, 'run'), ...(this.mode === 'loopback' ? ['--loopback'] : [])];
    return run(process.execPath, [kubemuBin, ...base, ...args], { cwd: this.dir, timeoutMs: 40_000 });
  }

  /** Like kubemu(), but a non-zero exit throws with the command's output. */
  async must(...args: string[]): Promise<Run> {
    const r = await this.kubemu(...args);
    if (r.code !== 0) throw new Error(`kubemu ${args.join(' ')} exited ${r.code}: ${r.stdout}${r.stderr}`);
    return r;
  }

  async up(): Promise<void> {
    this.upDone = true;
    await this.must('up', '-d');
  }

  async status(): Promise<ProjectStatus> {
    return JSON.parse((await this.must('status', '--json')).stdout) as ProjectStatus;
  }

  async service(name: string): Promise<ServiceStatus> {
    const s = (await this.status()).services.find((x) => x.name === name);
    if (s === undefined) throw new Error(`no service ${name} in kubemu status`);
    return s;
  }

  /** Runs argv inside the service's network namespace (netns mode), as `docker compose exec` would. */
  execArgv(service: string, argv: string[]): string[] {
    return this.mode === 'netns' ? ['ip', 'netns', 'exec', `kubemu-${this.project}-${service}`, ...argv] : argv;
  }

  /** Stops everything and removes what this project owns; safe to call twice and after a failed up. */
  async down(): Promise<void> {
    if (this.upDone) {
      const r = await this.kubemu('down', '-v');
      if (r.code !== 0) console.warn(`kubemu down: ${r.stdout}${r.stderr}`);
      this.upDone = false;
    }
    if (this.mode === 'netns') {
      for (const line of spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n')) {
        const ns = line.split(' ')[0] ?? '';
        if (ns.startsWith(`kubemu-${this.project}-`)) spawnSync('ip', ['netns', 'del', ns]);
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A project name no other run on this machine uses (names end up in namespace names: keep it short). */
export function uniqueProject(prefix: string): string {
  return `${prefix}${process.pid % 100000}${Math.floor(Math.random() * 1e4)}`;
}
