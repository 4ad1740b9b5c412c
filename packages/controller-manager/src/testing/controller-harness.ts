// Test support: controllers running against FakeApiServer on a ManualClock, the way main.ts runs
// them against a real apiserver (one informer factory, one context), plus waiting helpers that
// let the promise chains of informers and workers run between steps of the fake clock.
import { ManualClock, SeededRng, silentLogger } from '@kubemu/base';
import { EventRecorder, FakeApiServer, SharedInformerFactory } from '@kubemu/client';
import type { Event, KubeObject } from '@kubemu/api';
import type { RestClient } from '@kubemu/client';
import type { Controller, ControllerContext, ControllerFactory, ControllerOptions } from '../controller';

export const DEFAULT_TEST_OPTIONS: ControllerOptions = {
  workers: 2,
  nodeMonitorGracePeriodMs: 40_000,
  podEvictionTimeoutMs: 300_000,
  clusterCidr: '10.244.0.0/16',
  hpaSyncPeriodMs: 15_000,
  hpaDownscaleStabilizationMs: 300_000,
};

export interface HarnessOptions {
  options?: Partial<ControllerOptions>;
  /** Refuse creates in missing or terminating namespaces (default false). */
  namespaceLifecycle?: boolean;
  seed?: number;
}

export class ControllerHarness {
  readonly clock = new ManualClock();
  readonly fake: FakeApiServer;
  readonly client: RestClient;
  readonly ctx: ControllerContext;
  private readonly recorders: EventRecorder[] = [];
  private readonly abort = new AbortController();
  private readonly running: Promise<void>[] = [];
  private readonly factory: SharedInformerFactory;

  constructor(opts: HarnessOptions = {}) {
    const rng = new SeededRng(opts.seed ?? 1);
    this.fake = new FakeApiServer({ clock: this.clock, rng: rng.fork(), namespaceLifecycle: opts.namespaceLifecycle ?? false });
    this.client = this.fake.client();
    this.factory = new SharedInformerFactory(this.client, { clock: this.clock, rng: rng.fork() });
    const log = silentLogger('controller-test');
    this.ctx = {
      client: this.client,
      informers: this.factory,
      clock: this.clock,
      rng: rng.fork(),
      log,
      recorder: (component) => {
        const r = new EventRecorder({ client: this.client, component, clock: this.clock, rng: rng.fork() });
        this.recorders.push(r);
        return r;
      },
      options: { ...DEFAULT_TEST_OPTIONS, ...opts.options },
    };
  }

  /** Builds the controllers, starts the informers, and runs them until stop(). */
  start(...factories: ControllerFactory[]): Controller[] {
    const controllers = factories.map((f) => f(this.ctx));
    this.factory.start();
    for (const c of controllers) this.running.push(c.run(this.abort.signal));
    return controllers;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.running);
    await this.factory.shutdown();
    for (const r of this.recorders) r.shutdown();
  }

  /** Lets pending promise chains run (macrotask turns flush more than microtask loops). */
  async settle(turns = 30): Promise<void> {
    for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /**
   * Waits until `cond` holds, settling and moving the fake clock `stepMs` at a time (retries
   * with backoff and delayed requeues need time to pass); throws after `maxMs` of fake time.
   */
  async eventually(cond: () => boolean, what: string, opts: { stepMs?: number; maxMs?: number } = {}): Promise<void> {
    const step = opts.stepMs ?? 10;
    const max = opts.maxMs ?? 10_000;
    for (let t = 0; t <= max; t += step) {
      await this.settle();
      if (cond()) return;
      await this.clock.advanceAsync(step);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** Moves the fake clock, letting everything settle on the way. */
  async advance(ms: number, stepMs = 100): Promise<void> {
    for (let t = 0; t < ms; t += stepMs) {
      await this.clock.advanceAsync(Math.min(stepMs, ms - t));
      await this.settle(5);
    }
    await this.settle();
  }

  /** Stored objects of a resource. */
  objects<T extends KubeObject>(spec: { group: string; version: string; resource: string; namespaced: boolean }, namespace?: string): T[] {
    return this.fake.objects<T>(spec, namespace);
  }

  /** Events recorded so far, in one namespace or all. */
  events(namespace?: string): Event[] {
    return this.fake.objects<Event>({ group: '', version: 'v1', resource: 'events', namespaced: true }, namespace);
  }
}
