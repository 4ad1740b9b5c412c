#!/usr/bin/env node
// `npm run up`: bring up the cluster of compose.yaml on a fresh clone. Installs dependencies and
// builds when they are missing or stale, then runs the launcher (`kubemu up`) in the foreground:
// each service in its own network namespace when root, on its own 127.x address (--loopback)
// otherwise. Ctrl-C stops and removes everything. Extra arguments go to `kubemu up`
// (for example `npm run up -- etcd-0` to start one service and what it depends on).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (args) => execFileSync(npm, args, { cwd: root, stdio: 'inherit' });

if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  // npm install, not npm ci: see .ci/run for why npm ci refuses this project's lock file here.
  console.log('up: installing dependencies (npm install)');
  run(['install', '--no-audit', '--no-fund']);
}
// tsc -b is incremental: a no-op when nothing changed.
console.log('up: building (tsc -b)');
run(['run', 'build', '--silent']);

const isRoot = process.getuid?.() === 0;
const entry = path.join(root, 'packages', 'cli', 'dist', 'main.js');
const args = [entry, '-f', path.join(root, 'compose.yaml'), ...(isRoot ? [] : ['--loopback']), 'up', ...process.argv.slice(2)];
console.log(`up: kubemu ${args.slice(1).join(' ')}`);
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
// The launcher stops its services on SIGINT/SIGTERM; forward ours and wait for it to finish.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
