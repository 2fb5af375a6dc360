import { count, isNull } from 'drizzle-orm';
import { Gauge } from 'prom-client';
import { orderEvents } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';

/**
 * Backlog gauges, read from Redis and MySQL when /metrics is scraped. Registered by the worker process only:
 * the state is shared, so one process reports it (the primary sums processes, and would count it twice).
 */
export function registerBacklogMetrics(deps: Deps): void {
  if (deps.metrics.getSingleMetric('engine_delivery_pending')) return; // workers restarted on the same deps
  const k = deps.keys;
  // A scrape while Redis or MySQL is down keeps the last value instead of failing the whole exposition.
  const safely = (read: () => Promise<void>) => read().catch((err: unknown) => deps.logger.debug({ err }, 'backlog metric not read'));
  new Gauge({
    name: 'engine_coupon_outbox_pending',
    help: 'Issued coupon copies not yet in MySQL (outbox and in-flight batches, all coupons)',
    registers: [deps.metrics],
    async collect() {
      await safely(async () => {
        const ids = await deps.redis.smembers(k.couponsActive);
        const lengths = await Promise.all(ids.flatMap((id) => [deps.redis.llen(k.couponOutbox(Number(id))), deps.redis.llen(k.couponInflight(Number(id)))]));
        this.set(lengths.reduce((a, b) => a + b, 0));
      });
    },
  });
  new Gauge({
    name: 'engine_coupon_remaining',
    help: 'Copies left to issue, per coupon with issuance activity',
    labelNames: ['coupon'],
    registers: [deps.metrics],
    async collect() {
      await safely(async () => {
        const ids = await deps.redis.smembers(k.couponsActive);
        const left = await Promise.all(ids.map((id) => deps.redis.get(k.couponStock(Number(id)))));
        this.reset();
        ids.forEach((id, i) => this.set({ coupon: id }, Number(left[i] ?? 0)));
      });
    },
  });
  new Gauge({
    name: 'engine_delivery_pending',
    help: 'Order events not yet delivered to the data platform',
    registers: [deps.metrics],
    async collect() {
      await safely(async () => {
        const [row] = await deps.db.select({ n: count() }).from(orderEvents).where(isNull(orderEvents.deliveredAt));
        this.set(row?.n ?? 0);
      });
    },
  });
  new Gauge({
    name: 'bullmq_job_count',
    help: 'Number of jobs in the queue by state',
    labelNames: ['queue', 'state'],
    registers: [deps.metrics],
    async collect() {
      await safely(async () => {
        const counts = await Promise.all(Object.values(deps.queues).map(async (q) => [q.name, await q.getJobCounts()] as const));
        this.reset();
        for (const [queue, byState] of counts) for (const [state, n] of Object.entries(byState)) this.set({ queue, state }, n);
      });
    },
  });
}
