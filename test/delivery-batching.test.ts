/**
 * Paid orders' deliveries are gathered across committed batches into one queue job per window, and what is
 * gathered is queued when the engine closes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { product } from './fixtures.ts';
import { concurrently, createTestEngine, type TestEngine } from './harness.ts';

let e: TestEngine;
// A window far longer than the test, and batches of two: only the explicit flush (or the close) queues anything.
beforeAll(async () => (e = await createTestEngine({ env: { DELIVERY_COALESCE_MS: '5000', PAYMENT_BATCH_MAX: '2' } })));
afterAll(() => e.close());

const deliveryJobs = async () =>
  (await e.deps.queues.delivery.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).map(
    (j) => j.data.eventIds as string[],
  );

it('twelve orders committed in several batches are queued as one delivery job carrying every paid event', async () => {
  const p = await product(e, [{ price: 10, stock: 100 }]);
  const buyers = await concurrently(12, () => e.user(100));
  const batchesBefore = Number(
    /engine_payment_batch_size_count (\d+)/.exec(
      await e.deps.metrics.getSingleMetricAsString('engine_payment_batch_size'),
    )?.[1] ?? 0,
  );
  const answers = await concurrently(12, (i) =>
    e.request('POST', '/orders', {
      token: buyers[i]!.token,
      body: { items: [{ optionId: p.optionIds[0]!, quantity: 1 }] },
    }),
  );
  expect(answers.map((r) => r.status)).toEqual(new Array(12).fill(201));
  const batches =
    Number(
      /engine_payment_batch_size_count (\d+)/.exec(
        await e.deps.metrics.getSingleMetricAsString('engine_payment_batch_size'),
      )?.[1],
    ) - batchesBefore;
  expect(batches).toBeGreaterThanOrEqual(6);

  expect(await deliveryJobs()).toEqual([]);
  await e.deps.deliveries.flush();
  const jobs = await deliveryJobs();
  expect(jobs).toHaveLength(1);
  expect([...jobs[0]!].sort()).toEqual(answers.map((r) => `order-${r.body.orderId}-paid`).sort());
  await e.deps.deliveries.flush(); // nothing gathered since: no empty job
  expect(await deliveryJobs()).toHaveLength(1);
});
