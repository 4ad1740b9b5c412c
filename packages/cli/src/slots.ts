/**
 * Address blocks for projects. Each running project holds a slot p in 1..250, and its services get
 * addresses 172.28.p.(10+i) (netns mode) or 127.0.p.(10+i) (loopback mode), so two projects on one
 * machine never share an address even though their run directories live in different places.
 * A slot is a file created with O_EXCL in a per-user registry: creation is the lock.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LauncherError } from './errors';

const MAX_SLOT = 250;

interface SlotRecord {
  project: string;
  runDir: string;
}

export function registryDir(): string {
  const uid = process.getuid?.() ?? 0;
  if (uid === 0) return '/run/kubemu/slots';
  return path.join(process.env.XDG_RUNTIME_DIR ?? os.tmpdir(), `kubemu-${uid}`, 'slots');
}

function read(file: string): SlotRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SlotRecord;
  } catch {
    return undefined;
  }
}

/** Takes the slot already held by runDir, or the lowest free one. */
export function acquireSlot(project: string, runDir: string, registry = registryDir()): number {
  mkdirSync(registry, { recursive: true });
  for (const name of readdirSync(registry)) {
    if (read(path.join(registry, name))?.runDir === runDir) return Number(name.replace(/\.json$/, ''));
  }
  for (let slot = 1; slot <= MAX_SLOT; slot++) {
    const file = path.join(registry, `${slot}.json`);
    const holder = read(file);
    // A slot whose project has no state file any more was left by a launcher that died before `down`.
    if (holder !== undefined && !existsSync(path.join(holder.runDir, 'state.json'))) rmSync(file, { force: true });
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch {
      continue;
    }
    writeSync(fd, JSON.stringify({ project, runDir } satisfies SlotRecord));
    closeSync(fd);
    return slot;
  }
  throw new LauncherError(`no free address slot in ${registry}: ${MAX_SLOT} projects are running or left behind`);
}

export function releaseSlot(slot: number, runDir: string, registry = registryDir()): void {
  const file = path.join(registry, `${slot}.json`);
  if (read(file)?.runDir === runDir) rmSync(file, { force: true });
}

/** Slots held by any project (the bridge is removed when none is left). */
export function slotsInUse(registry = registryDir()): number {
  try {
    return readdirSync(registry).filter((n) => n.endsWith('.json')).length;
  } catch {
    return 0;
  }
}
