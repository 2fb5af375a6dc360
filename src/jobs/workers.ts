import { Worker, type ConnectionOptions, type Job, type WorkerOptions } from 'bullmq';
import { DRAIN_ALL_JOB, drainAll, drainCoupon } from '../coupons/coupons.drain.ts';
import type { Deps } from '../deps.ts';
import { createRedis, watchConnection } from '../redis/client.ts';
import { QUEUE_NAMES } from './queues.ts';
import { deliverEvents } from '../orders/delivery.ts';
import { ensurePopularSnapshot } from '../popular/popular.service.ts';
import { MAINTENANCE_JOBS, maintenanceJob } from './maintenance.ts';
import { registerBacklogMetrics } from './queue-metrics.ts';

export type WorkerTuning = Pick<WorkerOptions, 'stalledInterval' | 'lockDuration' | 'maxStalledCount'>;
export type Workers = { workers: Worker[]; close(force?: boolean): Promise<void> };

/**
 * Starts every worker of the engine on its own Redis connection, and the repeatable jobs (Job Schedulers) that
 * keep them fed. Handlers are idempotent: BullMQ delivers at least once.
 */
export async function startWorkers(deps: Deps, tuning: WorkerTuning = {}): Promise<Workers> {
  const connection = watchConnection(createRedis(deps.config, 'queue'), deps.logger, 'workers');
  const base = { connection: connection as ConnectionOptions, prefix: deps.keys.queuePrefix, ...tuning };
  const log = deps.logger;

  const couponDrain = new Worker(
    QUEUE_NAMES.couponDrain,
    async (job: Job<{ couponId?: number }>) =>
      job.name === DRAIN_ALL_JOB ? drainAll(deps) : drainCoupon(deps, job.data.couponId!),
    { ...base, concurrency: 4 },
  );

  // `eventId` is the one-event payload of jobs queued before deliveries came in batches.
  const delivery = new Worker(
    QUEUE_NAMES.delivery,
    async (job: Job<{ eventIds?: string[]; eventId?: string }>) =>
      deliverEvents(deps, job.data.eventIds ?? [job.data.eventId!]),
    {
      ...base,
      concurrency: 8,
    },
  );

  const maintenance = new Worker(
    QUEUE_NAMES.maintenance,
    async (job: Job) => {
      const known = maintenanceJob(job.name);
      if (!known) throw new Error(`unknown maintenance job ${job.name}`);
      return known.run(deps);
    },
    { ...base, concurrency: 2 },
  );

  const workers = [couponDrain, delivery, maintenance];
  for (const w of workers) {
    w.on('failed', (job, err) =>
      log.warn({ err, queue: w.name, jobId: job?.id, attempts: job?.attemptsMade }, 'job failed'),
    );
    w.on('error', (err) => log.error({ err, queue: w.name }, 'worker error'));
  }

  await deps.queues.couponDrain.upsertJobScheduler(
    DRAIN_ALL_JOB,
    { every: deps.config.COUPON_DRAIN_INTERVAL_MS },
    { name: DRAIN_ALL_JOB, opts: { removeOnComplete: true, removeOnFail: 100 } },
  );

  for (const { name, everyMs } of MAINTENANCE_JOBS) {
    await deps.queues.maintenance.upsertJobScheduler(
      name,
      { every: everyMs(deps.config) },
      { name, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }

  await ensurePopularSnapshot(deps);
  registerBacklogMetrics(deps);

  return {
    workers,
    async close(force = false) {
      // Graceful close waits for the jobs in hand; `force` abandons them (they come back as stalled).
      await Promise.allSettled(workers.map((w) => w.close(force)));
      await connection.quit().catch(() => undefined);
    },
  };
}
