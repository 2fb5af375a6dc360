import { Gauge } from 'prom-client';
import { countUndelivered } from '../orders/orders.repo.ts';
import type { Deps } from '../deps.ts';

type Reading = [labels: Record<string, string>, value: number][];

/**
 * Backlog gauges, read from Redis and MySQL when /metrics is scraped. Registered by the worker process only:
 * the state is shared, so one process reports it (the primary sums processes, and would count it twice).
 */
export function registerBacklogMetrics(deps: Deps): void {
  if (deps.metrics.getSingleMetric('engine_delivery_pending')) return; // workers restarted on the same deps
  const k = deps.keys;
  const gauge = (name: string, help: string, labelNames: string[], read: () => Promise<Reading>) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [deps.metrics],
      async collect() {
        // A scrape while Redis or MySQL is down keeps the last values instead of failing the whole exposition.
        const reading = await read().catch(
          (err: unknown) => void deps.logger.debug({ err, metric: name }, 'backlog metric not read'),
        );
        if (!reading) return;
        this.reset();
        for (const [labels, value] of reading) this.set(labels, value);
      },
    });
  const activeCoupons = () => deps.redis.smembers(k.couponsActive).then((ids) => ids.map(Number));

  gauge(
    'engine_coupon_outbox_pending',
    'Issued coupon copies not yet in MySQL (outbox and in-flight batches, all coupons)',
    [],
    async () => {
      const ids = await activeCoupons();
      const lengths = await Promise.all(
        ids.flatMap((id) => [deps.redis.llen(k.couponOutbox(id)), deps.redis.llen(k.couponInflight(id))]),
      );
      return [[{}, lengths.reduce((a, b) => a + b, 0)]];
    },
  );
  gauge('engine_coupon_remaining', 'Copies left to issue, per coupon with issuance activity', ['coupon'], async () => {
    const ids = await activeCoupons();
    const left = await Promise.all(ids.map((id) => deps.redis.get(k.couponStock(id))));
    return ids.map((id, i) => [{ coupon: String(id) }, Number(left[i] ?? 0)]);
  });
  gauge('engine_delivery_pending', 'Order events not yet delivered to the data platform', [], async () => {
    return [[{}, await countUndelivered(deps.db)]];
  });
  gauge('bullmq_job_count', 'Number of jobs in the queue by state', ['queue', 'state'], async () => {
    const counts = await Promise.all(
      Object.values(deps.queues).map(async (q) => [q.name, await q.getJobCounts()] as const),
    );
    return counts.flatMap(([queue, byState]) =>
      Object.entries(byState).map(([state, n]): Reading[number] => [{ queue, state }, n]),
    );
  });
}
