// The TTL-after-finished controller (--controllers name "ttl-after-finished"): a finished Job
// with spec.ttlSecondsAfterFinished is deleted that long after its Complete or Failed condition,
// with foreground propagation so its pods go first (the garbage collector does that part).
// Before deleting, the Job is read fresh from the apiserver: the TTL may have been changed.
import type { Job } from '@kubemu/api';
import { isNotFound, metaNamespaceKey, splitMetaNamespaceKey } from '@kubemu/client';
import type { RateLimitingQueue, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import { errorMessage, newQueue, runQueueWorkers } from '../../controller-utils';
import { JOBS } from './job-controller';
import { isJobFinished, jobFinishTime } from './job-pods';

export class TtlAfterFinishedController implements Controller {
  readonly name = 'ttl-after-finished';
  private readonly queue: RateLimitingQueue<string>;
  private readonly jobs: SharedInformer<Job>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = newQueue(ctx);
    this.jobs = ctx.informers.forResource<Job>(JOBS);
  }

  async run(signal: AbortSignal): Promise<void> {
    const enqueue = (job: Job): void => {
      if (needsCleanup(job)) this.queue.add(metaNamespaceKey(job));
    };
    const reg = this.jobs.addEventHandler({ onAdd: enqueue, onUpdate: (_, j) => enqueue(j) });
    this.ctx.informers.start();
    await runQueueWorkers({ name: this.name, ctx: this.ctx, queue: this.queue, informers: [this.jobs], sync: (key) => this.sync(key) }, signal);
    reg.remove();
  }

  private async sync(key: string): Promise<Error | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.jobs.lister().get(namespace, name);
    if (cached === undefined || !needsCleanup(cached)) return;
    const left = this.msLeft(cached);
    if (left === undefined) return;
    if (left > 0) {
      this.queue.addAfter(key, left);
      return;
    }
    const client = this.ctx.client.resource<Job>(JOBS).namespace(namespace);
    let fresh: Job;
    try {
      fresh = await client.get(name);
    } catch (err) {
      return isNotFound(err) ? undefined : new Error(`getting job ${key}: ${errorMessage(err)}`);
    }
    if (!needsCleanup(fresh)) return;
    const freshLeft = this.msLeft(fresh);
    if (freshLeft === undefined) return;
    if (freshLeft > 0) {
      this.queue.addAfter(key, freshLeft);
      return;
    }
    try {
      await client.delete(name, { propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata?.uid ?? '' } });
      this.ctx.log.info('cleaned up finished job', { controller: this.name, job: key });
    } catch (err) {
      if (!isNotFound(err)) return new Error(`deleting job ${key}: ${errorMessage(err)}`);
    }
  }

  /** Time until the Job expires (<= 0: expired); undefined if it never finished. */
  private msLeft(job: Job): number | undefined {
    const finished = jobFinishTime(job);
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (finished === undefined || ttl === undefined) return undefined;
    return finished + ttl * 1000 - this.ctx.clock.wallNow();
  }
}

function needsCleanup(job: Job): boolean {
  return job.spec?.ttlSecondsAfterFinished !== undefined && job.metadata?.deletionTimestamp === undefined && isJobFinished(job);
}

export function newTtlAfterFinishedController(ctx: ControllerContext): Controller {
  return new TtlAfterFinishedController(ctx);
}
