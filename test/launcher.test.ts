/**
 * The launcher end to end: a tiny compose project of `node -e` HTTP servers run by the real
 * `kubemu` binary, observed from outside as a user would (HTTP to the service addresses, status,
 * logs, ip netns list). Loopback mode always runs; netns mode runs when we are root with iproute2.
 * Each run uses its own project name and run directory, and traffic goes only to loopback or to the
 * namespaces the test created.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'packages', 'cli', 'dist', 'main.js');
const canNetns = process.getuid?.() === 0 && spawnSync('ip', ['-V']).status === 0;

// Each service answers `/` with its name and what its peer's name resolves to, `/peer` by calling
// the peer over HTTP, and `/crash` by exiting with status 1 (a crash, not a user stop).
const server = `
const http = require('http'), dns = require('dns');
const me = process.env.KUBEMU_SERVICE, [peerHost, peerPort] = process.env.PEER_ADDR.split(':');
http.createServer((q, r) => {
  if (q.url === '/crash') { r.end('bye'); setTimeout(() => process.exit(1), 20); return; }
  if (q.url === '/peer') {
    const req = http.get({ host: peerHost, port: Number(peerPort), path: '/', timeout: 700 }, (s) => {
      let b = ''; s.on('data', (d) => (b += d)); s.on('end', () => r.end('ok ' + b));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => r.end('err ' + e.message));
    return;
  }
  dns.lookup(peerHost, 4, (e, a) => r.end(me + ' ' + peerHost + '=' + (e ? e.code : a)));
}).listen(8080, '0.0.0.0', () => console.log('listening ' + me));
`;

function composeFile(project: string): string {
  const svc = (peer: string) => `
    <<: *common
    command: ${JSON.stringify(['node', '-e', server])}
    environment:
      PEER_ADDR: "${peer}:8080"`;
  return `name: ${project}
x-common: &common
  image: kubemu:dev
  restart: always
services:
  web-a:${svc('web-b')}
  web-b:${svc('web-a')}
    depends_on: [web-a]
`;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface Status {
  up: boolean;
  services: Array<{ name: string; status: string; address: string; restarts: number; netns?: string; veth?: string; pid?: number }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function get(address: string, urlPath = '/'): Promise<string> {
  const res = await fetch(`http://${address}:8080${urlPath}`, { signal: AbortSignal.timeout(2000) });
  return res.text();
}

/** True when some source of the launcher (or of base, which it imports) is newer than its build. */
function buildIsStale(): boolean {
  // tsc -b writes the build info on every build, even when it re-emits only some files.
  const info = path.join(root, 'packages', 'cli', 'tsconfig.tsbuildinfo');
  const built = existsSync(cli) && existsSync(info) ? statSync(info).mtimeMs : 0;
  return ['cli', 'base'].some((pkg) => {
    const src = path.join(root, 'packages', pkg, 'src');
    return readdirSync(src).some((f) => statSync(path.join(src, f)).mtimeMs > built);
  });
}

beforeAll(() => {
  // The launcher runs as its built binary: build it when a source changed (tsc -b is incremental,
  // but even a no-op costs seconds on a loaded machine).
  if (!buildIsStale()) return;
  const res = spawnSync('npx', ['tsc', '-b', 'packages/cli'], { cwd: root, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`build failed: ${res.stdout}${res.stderr}`);
}, 60_000);

const modes: Array<'loopback' | 'netns'> = canNetns ? ['loopback', 'netns'] : ['loopback'];

describe.each(modes)('kubemu in %s mode', (mode) => {
  const project = `lt${mode === 'netns' ? 'n' : 'l'}${process.pid}${Math.floor(Math.random() * 1e6)}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubemu-launcher-'));
  const file = path.join(dir, 'compose.yaml');
  const base = ['-f', file, '--run-dir', path.join(dir, 'run'), ...(mode === 'loopback' ? ['--loopback'] : [])];
  const kubemu = (...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(process.execPath, [cli, ...base, ...args], { cwd: dir, timeout: 40_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const status = async (): Promise<Status> => JSON.parse((await kubemu('status', '--json')).stdout) as Status;
  const svc = async (name: string) => (await status()).services.find((s) => s.name === name);
  const address = async (name: string) => (await svc(name))?.address as string;

  beforeAll(() => writeFileSync(file, composeFile(project)));

  afterAll(async () => {
    await kubemu('down', '-v');
    // Belt and braces: whatever a failed test left, remove it by the names this project owns.
    if (mode === 'netns') {
      for (const ns of spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n')) {
        const name = ns.split(' ')[0] ?? '';
        if (name.startsWith(`kubemu-${project}-`)) spawnSync('ip', ['netns', 'del', name]);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('comes up detached and reports every service running', async () => {
    const res = await kubemu('up', '-d');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const st = await status();
    expect(st.services.map((s) => [s.name, s.status])).toEqual([
      ['web-a', 'running'],
      ['web-b', 'running'],
    ]);
    expect((await kubemu('up', '-d')).stderr).toMatch(/already up/);
  });

  it('serves each service at its own address, with peers reachable by name', async () => {
    const a = await address('web-a');
    const b = await address('web-b');
    expect(a).not.toBe(b);
    const body = await waitFor('web-a', () => get(a));
    if (mode === 'netns') expect(body).toBe(`web-a web-b=${b}`);
    else expect(body).toMatch(/^web-a /);
    await waitFor('web-b', () => get(b));
    expect(await get(a, '/peer')).toMatch(/^ok web-b /);
  });

  it('restarts a service that crashes by itself (restart: always)', async () => {
    const a = await address('web-a');
    const before = (await svc('web-a'))?.pid;
    expect(await get(a, '/crash')).toBe('bye');
    const after = await waitFor('web-a restarted', async () => {
      const s = await svc('web-a');
      return s?.status === 'running' && s.pid !== before && s.restarts >= 1 ? s : undefined;
    });
    expect(after.restarts).toBeGreaterThanOrEqual(1);
    expect(await waitFor('web-a answering', () => get(a))).toMatch(/^web-a /);
  });

  it('keeps a service stopped after kubemu kill until kubemu start', async () => {
    const b = await address('web-b');
    expect((await kubemu('kill', 'web-b')).code).toBe(0);
    await waitFor('web-b stopped', async () => ((await svc('web-b'))?.status === 'stopped' ? true : undefined));
    await sleep(1500); // well past the first restart backoff
    expect((await svc('web-b'))?.status).toBe('stopped');
    await expect(get(b)).rejects.toThrow();
    expect((await kubemu('start', 'web-b')).code).toBe(0);
    expect(await waitFor('web-b back', () => get(b))).toMatch(/^web-b /);
  });

  (mode === 'netns' ? it : it.skip)('partitions a service from its peers and heals', async () => {
    const a = await address('web-a');
    expect(await get(a, '/peer')).toMatch(/^ok /);
    expect((await kubemu('partition', 'web-b')).code).toBe(0);
    expect(await get(a, '/peer')).toMatch(/^err /);
    expect((await kubemu('status')).stdout).toMatch(/partitioned: \[web-b\]/);
    expect((await kubemu('heal')).code).toBe(0);
    expect(await waitFor('peer reachable', async () => ((await get(a, '/peer')).startsWith('ok ') ? true : undefined))).toBe(true);
  });

  it('refuses to partition in loopback mode', async () => {
    if (mode === 'netns') return;
    expect((await kubemu('partition', 'web-b')).stderr).toMatch(/partition needs netns mode/);
  });

  it('shows a service log', async () => {
    const res = await kubemu('logs', 'web-a');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('listening web-a');
  });

  it('goes down and leaves nothing behind', async () => {
    const before = await status();
    expect((await kubemu('down')).code).toBe(0);
    const after = await status();
    expect(after.up).toBe(false);
    for (const s of before.services) expect(() => process.kill(s.pid as number, 0)).toThrow();
    if (mode === 'netns') {
      expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(`kubemu-${project}-`);
      const links = spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' }).stdout;
      for (const s of before.services) expect(links).not.toContain(`${s.veth}@`);
    }
  });
});
