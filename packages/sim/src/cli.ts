/**
 * `npm run sim -- --seeds N [--start K] [--jobs J]` runs seeds K..K+N-1 (K defaults to 1) and ends
 * with `sim: N seeds, F failures`; `npm run sim -- --seed S [--trace]` replays one seed exactly,
 * printing its event trace with --trace. Exit code 1 when any seed failed.
 */
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { formatFailure, summaryLine } from './runner';
import type { SimResult } from './result';
import { runSeed } from './simulation';

interface Args {
  seeds: number;
  start: number;
  seed?: number;
  trace: boolean;
  jobs: number;
  verbose: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seeds: 100, start: 1, trace: false, jobs: Math.min(availableParallelism(), 4), verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a non-negative integer`);
      return v;
    };
    if (a === '--seeds') args.seeds = next();
    else if (a === '--start') args.start = next();
    else if (a === '--seed') args.seed = next();
    else if (a === '--jobs') args.jobs = Math.max(1, next());
    else if (a === '--trace') args.trace = true;
    else if (a === '--verbose' || a === '-v') args.verbose = true;
    else throw new Error(`unknown argument ${a} (use --seeds N [--start K] [--jobs J] | --seed S [--trace])`);
  }
  return args;
}

function replay(seed: number, trace: boolean): number {
  const r = runSeed(seed, trace ? { trace: (line) => process.stdout.write(line + '\n') } : {});
  console.log(`seed=${seed} ${r.config}`);
  console.log(`seed=${seed} trace=${r.traceHash} ${JSON.stringify(r.stats)}`);
  if (!r.ok) console.log(formatFailure(r));
  console.log(summaryLine(1, r.ok ? 0 : 1));
  return r.ok ? 0 : 1;
}

/** Runs the seeds on `jobs` worker threads; results are printed in seed order. */
async function runMany(args: Args): Promise<number> {
  const started = performance.now();
  const results = new Map<number, SimResult>();
  let nextToPrint = args.start;
  let failures = 0;
  const end = args.start + args.seeds;
  const print = (): void => {
    for (let r = results.get(nextToPrint); r !== undefined; r = results.get(nextToPrint)) {
      results.delete(nextToPrint);
      if (!r.ok) {
        failures++;
        console.log(formatFailure(r));
      } else if (args.verbose) {
        console.log(`ok seed=${r.seed} ${JSON.stringify(r.stats)}`);
      }
      nextToPrint++;
    }
  };
  const jobs = Math.max(1, Math.min(args.jobs, args.seeds));
  await Promise.all(
    Array.from({ length: jobs }, (_, j) => {
      const seeds: number[] = [];
      for (let s = args.start + j; s < end; s += jobs) seeds.push(s);
      return new Promise<void>((resolve, reject) => {
        const w = new Worker(__filename, { workerData: seeds });
        w.on('message', (r: SimResult) => {
          results.set(r.seed, r);
          print();
        });
        w.on('error', reject);
        w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`))));
      });
    }),
  );
  print();
  if (args.verbose) console.log(`ran in ${((performance.now() - started) / 1000).toFixed(1)}s on ${jobs} threads`);
  console.log(summaryLine(args.seeds, failures));
  return failures > 0 ? 1 : 0;
}

function workerMain(seeds: readonly number[]): void {
  for (const seed of seeds) parentPort?.postMessage(runSeed(seed));
}

if (isMainThread) {
  try {
    const args = parseArgs(process.argv.slice(2));
    if (args.seed !== undefined) process.exitCode = replay(args.seed, args.trace);
    else
      runMany(args).then(
        (code) => (process.exitCode = code),
        (err: unknown) => {
          console.error(err);
          process.exitCode = 2;
        },
      );
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 2;
  }
} else {
  workerMain(workerData as number[]);
}
