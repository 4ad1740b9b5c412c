/**
 * bench:raft - a 3-member Raft group in one process: RaftNodeDriver over an in-memory transport,
 * each member with its file WAL (fsync before ack) in a temp directory.
 *
 * For 1, 16 and 256 proposals in flight it keeps that many proposals outstanding at the leader
 * and measures commits/s and the commit latency (propose -> applied on the leader, which is when
 * a server could answer its client). The anchor, measured in the same run on the same disk, is the
 * rate of bare append+fdatasync calls: without batching Raft could not commit faster than that.
 *
 * Usage: npm run bench:raft [-- --seconds 3]
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RealClock, SeededRng } from '@kubemu/base';
import { DiskStorage, InMemoryNetwork, RaftNodeDriver } from '@kubemu/raft';
import type { Entry, NodeId } from '@kubemu/raft';

const IDS: NodeId[] = [1, 2, 3];
const PAYLOAD_BYTES = 128;

interface Member {
  id: NodeId;
  driver: RaftNodeDriver;
  storage: DiskStorage;
}

async function fsyncAnchor(dir: string, seconds: number): Promise<number> {
  const fh = await open(path.join(dir, 'anchor.log'), 'a');
  const buf = Buffer.alloc(PAYLOAD_BYTES, 1);
  let n = 0;
  const end = performance.now() + seconds * 1000;
  try {
    while (performance.now() < end) {
      await fh.write(buf);
      await fh.datasync();
      n++;
    }
  } finally {
    await fh.close();
  }
  return n / seconds;
}

async function startGroup(root: string): Promise<Member[]> {
  const clock = new RealClock();
  const network = new InMemoryNetwork({ serialize: true });
  const members: Member[] = [];
  for (const id of IDS) {
    const storage = await DiskStorage.open(path.join(root, `member-${id}`));
    const driver = new RaftNodeDriver({
      raft: { id, electionTick: 10, heartbeatTick: 1, storage, rng: new SeededRng(id), checkQuorum: true, preVote: true },
      persister: storage,
      transport: network.transport(id),
      clock,
      tickMs: 20,
      bootstrapPeers: IDS,
      apply: () => undefined,
    });
    members.push({ id, driver, storage });
  }
  for (const m of members) await m.driver.start();
  return members;
}

async function waitLeader(members: Member[]): Promise<Member> {
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    const leader = members.find((m) => m.driver.status().softState.raftState === 'Leader');
    if (leader) return leader;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no leader within 10 s');
}

interface Result {
  inflight: number;
  commits: number;
  seconds: number;
  p50: number;
  p99: number;
}

async function measure(leader: Member, inflight: number, seconds: number): Promise<Result> {
  const started = new Map<string, number>();
  const latencies: number[] = [];
  let seq = 0;
  let running = true;
  const payloadPad = 'x'.repeat(PAYLOAD_BYTES - 24);
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  const proposeOne = (): void => {
    const key = `c${inflight}-${seq++}`;
    started.set(key, performance.now());
    leader.driver.propose(encoder.encode(`${key}|${payloadPad}`)).catch((err: unknown) => {
      throw new Error(`proposal ${key} dropped: ${String(err)}`);
    });
  };

  leader.driver.onApply((entries: Entry[]) => {
    const now = performance.now();
    for (const e of entries) {
      if (e.type !== 'Normal' || e.data.length === 0) continue;
      const key = decoder.decode(e.data).split('|', 1)[0] ?? '';
      const t0 = started.get(key);
      if (t0 === undefined) continue;
      started.delete(key);
      latencies.push(now - t0);
      if (running) proposeOne();
    }
  });

  const t0 = performance.now();
  for (let i = 0; i < inflight; i++) proposeOne();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  running = false;
  const elapsed = (performance.now() - t0) / 1000;
  const commits = latencies.length;
  // Let the stragglers drain so the next round starts clean.
  const drainUntil = performance.now() + 5000;
  while (started.size > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 5));
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { inflight, commits, seconds: elapsed, p50: pct(50), p99: pct(99) };
}

async function main(): Promise<void> {
  const secIdx = process.argv.indexOf('--seconds');
  const seconds = secIdx >= 0 ? Number(process.argv[secIdx + 1]) : 3;
  const root = await mkdtemp(path.join(tmpdir(), 'kubemu-bench-raft-'));
  try {
    const anchor = await fsyncAnchor(root, Math.min(seconds, 2));
    const members = await startGroup(root);
    const leader = await waitLeader(members);
    // Each round registers its own onApply handler with its own key prefix; earlier rounds' handlers stay idle.
    const results: Result[] = [];
    for (const inflight of [1, 16, 256]) results.push(await measure(leader, inflight, seconds));
    for (const m of members) await m.driver.stop();
    for (const m of members) await m.storage.close();

    console.log(`raft bench: 3 members in one process, file WAL with fsync, ${PAYLOAD_BYTES}-byte proposals, ${seconds} s per row`);
    console.log(`anchor: bare append+fdatasync on the same disk: ${anchor.toFixed(0)} /s`);
    console.log('');
    console.log('| in flight | commits/s | p50 latency (ms) | p99 latency (ms) | commits/s ÷ fsync/s |');
    console.log('|---:|---:|---:|---:|---:|');
    for (const r of results) {
      const rate = r.commits / r.seconds;
      console.log(`| ${r.inflight} | ${rate.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${(rate / anchor).toFixed(2)} |`);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
