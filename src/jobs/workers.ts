import { Worker, type ConnectionOptions, type Job, type WorkerOptions } from 'bullmq';
import { drainAll, drainCoupon } from '../coupons/coupons.drain.ts';
import type { Deps } from '../deps.ts';
import { createRedis, watchConnection } from '../redis/client.ts';
import { QUEUE_NAMES } from './queues.ts';
import { deliverEvents, relayPendingEvents } from '../orders/delivery.ts';
import { repairRestocks, sweepReservations } from '../orders/sweeper.ts';
import { ensurePopularSnapshot, refreshPopular } from '../popular/popular.service.ts';
import { reconcile } from './reconcile.ts';
import { rebuildIfLost } from './rebuild.ts';
import { registerBacklogMetrics } from './queue-metrics.ts';
import { applyStockLedger } from '../products/stock-ledger.repo.ts';
import { purgeIdempotencyKeys } from '../lib/idempotency.ts';

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
      job.name === 'drain-all' ? drainAll(deps) : drainCoupon(deps, job.data.couponId!),
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

  const maintenanceJobs: Record<string, () => Promise<unknown>> = {
    'sweep-reservations': () => sweepReservations(deps),
    'relay-events': () => relayPendingEvents(deps),
    'repair-restocks': () => repairRestocks(deps),
    'popular-refresh': () => refreshPopular(deps),
    reconcile: () => reconcile(deps),
    'apply-stock': () => applyStockLedger(deps),
    'purge-idempotency': () => purgeIdempotencyKeys(deps),
    'rebuild-if-lost': () => rebuildIfLost(deps),
  };
  const maintenance = new Worker(
    QUEUE_NAMES.maintenance,
    async (job: Job) => {
      const run = maintenanceJobs[job.name];
      if (!run) throw new Error(`unknown maintenance job ${job.name}`);
      return run();
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
    'drain-all',
    { every: deps.config.COUPON_DRAIN_INTERVAL_MS },
    { name: 'drain-all', opts: { removeOnComplete: true, removeOnFail: 100 } },
  );

  const every = {
    'sweep-reservations': Math.max(1_000, Math.min(30_000, Math.floor(deps.config.RESERVATION_TIMEOUT_MS / 4))),
    'relay-events': 30_000,
    'repair-restocks': 30_000,
    'popular-refresh': deps.config.POPULAR_REFRESH_MS,
    reconcile: 60_000,
    'apply-stock': 1_000,
    'purge-idempotency': 3_600_000,
    'rebuild-if-lost': 5_000,
  };
  for (const [name, ms] of Object.entries(every)) {
    await deps.queues.maintenance.upsertJobScheduler(
      name,
      { every: ms },
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
