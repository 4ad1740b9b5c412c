#!/usr/bin/env node
// `npm run up`: bring up what exists of the cluster on a fresh clone. Installs dependencies and
// builds when they are missing or stale, then runs the cluster in the foreground (Ctrl-C stops it).
// Extra arguments go to the cluster process (for example `npm run up -- --chaos-every-ms 10000`).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (args) => execFileSync(npm, args, { cwd: root, stdio: 'inherit' });

if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  console.log('up: installing dependencies (npm ci)');
  run(['ci', '--no-audit', '--no-fund']);
}
// tsc -b is incremental: a no-op when nothing changed.
console.log('up: building (tsc -b)');
run(['run', 'build', '--silent']);

const entry = path.join(root, 'packages', 'raft', 'dist', 'main.js');
const child = spawn(process.execPath, [entry, '--data-dir', path.join(root, '.kubemu', 'raft-demo'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
