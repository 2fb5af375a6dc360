import { Worker, type ConnectionOptions, type Job, type WorkerOptions } from 'bullmq';
import { drainAll, drainCoupon } from '../coupons/coupons.drain.ts';
import type { Deps } from '../deps.ts';
import { createRedis } from '../redis/client.ts';
import { QUEUE_NAMES } from './queues.ts';

export type WorkerTuning = Pick<WorkerOptions, 'stalledInterval' | 'lockDuration' | 'maxStalledCount'>;
export type Workers = { workers: Worker[]; close(force?: boolean): Promise<void> };

/**
 * Starts every worker of the engine on its own Redis connection, and the repeatable jobs (Job Schedulers) that
 * keep them fed. Handlers are idempotent: BullMQ delivers at least once.
 */
export async function startWorkers(deps: Deps, tuning: WorkerTuning = {}): Promise<Workers> {
  const connection = createRedis(deps.config, 'queue');
  const base = { connection: connection as ConnectionOptions, prefix: deps.keys.queuePrefix, ...tuning };
  const log = deps.logger;

  const couponDrain = new Worker(
    QUEUE_NAMES.couponDrain,
    async (job: Job<{ couponId?: number }>) => (job.name === 'drain-all' ? drainAll(deps) : drainCoupon(deps, job.data.couponId!)),
    { ...base, concurrency: 4 },
  );

  const workers = [couponDrain];
  for (const w of workers) {
    w.on('failed', (job, err) => log.warn({ err, queue: w.name, jobId: job?.id, attempts: job?.attemptsMade }, 'job failed'));
    w.on('error', (err) => log.error({ err, queue: w.name }, 'worker error'));
  }

  await deps.queues.couponDrain.upsertJobScheduler(
    'drain-all',
    { every: deps.config.COUPON_DRAIN_INTERVAL_MS },
    { name: 'drain-all', opts: { removeOnComplete: true, removeOnFail: 100 } },
  );

  return {
    workers,
    async close(force = false) {
      // Graceful close waits for the jobs in hand; `force` abandons them (they come back as stalled).
      await Promise.allSettled(workers.map((w) => w.close(force)));
      await connection.quit().catch(() => undefined);
    },
  };
}
