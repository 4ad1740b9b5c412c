#!/usr/bin/env node
// `npm run up`: bring up the cluster of compose.yaml on a fresh clone. Installs dependencies and
// builds when they are missing or stale, then runs the launcher (`kubemu up`) in the foreground:
// each service in its own network namespace when root, on its own 127.x address (--loopback)
// otherwise. Ctrl-C stops and removes everything. Extra arguments go to `kubemu up`
// (for example `npm run up -- etcd-0` to start one service and what it depends on).
// Once apiserver-0 has written the admin kubeconfig into the shared PKI volume, writes
// <repo>/.kubemu/kubeconfig pointing at apiserver-0's address on this host and prints the export line.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// The command's own output (compiler errors) is already on the terminal: end without a stack trace.
const run = (args) => {
  try {
    execFileSync(npm, args, { cwd: root, stdio: 'inherit' });
  } catch {
    console.error(`up: npm ${args.join(' ')} failed`);
    process.exit(1);
  }
};

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
const launchedAt = Date.now();
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
// The launcher stops its services on SIGINT/SIGTERM; forward ours and wait for it to finish.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
let exited = false;
child.on('exit', (code, signal) => {
  exited = true;
  process.exit(code ?? (signal ? 1 : 0));
});
void writeKubeconfig().catch((err) => console.error(`up: no kubeconfig written: ${err.message}`));

/**
 * Waits for apiserver-0 to write admin.conf (it does so once it serves; a file older than this launch
 * is a previous run's, whose server address may be stale) and copies it with the server URL set to
 * apiserver-0's address as this host reaches it: 172.28.p.x (netns) or 127.0.p.x (loopback), both
 * named in the serving certificate. Returns quietly when apiserver-0 is not part of this run.
 */
async function writeKubeconfig() {
  const require = createRequire(import.meta.url);
  const { loadCompose, RunDir } = require(path.join(root, 'packages', 'cli', 'dist', 'index.js'));
  const compose = loadCompose(path.join(root, 'compose.yaml'));
  const runRoot = process.env.KUBEMU_RUN_DIR ?? path.join(compose.dir, '.kubemu', 'run');
  const runDir = RunDir.forProject(runRoot, compose.name);
  const adminConf = path.join(runDir.volumeDir('apiserver-pki'), 'admin.conf');
  const target = path.join(root, '.kubemu', 'kubeconfig');
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    if (exited) return;
    const state = runDir.readState();
    if (state === undefined || state.supervisorPid !== child.pid) continue; // not this run's state yet
    const api = state.services.find((s) => s.name === 'apiserver-0');
    if (api === undefined) return; // started without the apiserver (`npm run up -- etcd-0`)
    if (!existsSync(adminConf) || statSync(adminConf).mtimeMs < launchedAt) continue;
    const text = readFileSync(adminConf, 'utf8');
    if (!/^\s*server:/m.test(text)) continue;
    const server = `https://${api.address}:6443`;
    mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, text.replace(/^(\s*server:\s*).*$/m, `$1${server}`), { mode: 0o600 });
    renameSync(tmp, target);
    console.log(`up: the API is served at ${server}; point kubectl at it with:\n\n  export KUBECONFIG=${target}\n`);
    return;
  }
}
