import { afterAll, beforeAll, expect, it } from 'vitest';
import { drainCoupon } from '../src/coupons/coupons.drain.ts';
import { reconcile } from '../src/jobs/reconcile.ts';
import { reserveStock } from '../src/orders/reservations.ts';
import { createTestEngine, type TestEngine } from './harness.ts';
import { coupon, product } from './fixtures.ts';

let e: TestEngine;
beforeAll(async () => (e = await createTestEngine()));
afterAll(() => e.close());

it('agreeing state, work in flight included, reports no drift', async () => {
  const p = await product(e, [{ price: 10, stock: 20 }]);
  const c = await coupon(e, { totalQuantity: 10 });
  for (let u = 1; u <= 4; u++) await e.request('POST', `/coupons/${c}/issue`, { token: e.tokenFor(u) });
  await drainCoupon(e.deps, c, {
    batchSize: 2,
    afterInsert: () => Promise.reject(new Error('stop after one batch')),
  }).catch(() => undefined);
  await reserveStock(e.deps, 'open-1', [{ optionId: p.optionIds[0]!, quantity: 3 }], Date.now());
  expect(await reconcile(e.deps)).toEqual([]);
});

it('reports drift in issued coupons and in stock, and exports it as a metric', async () => {
  const p = await product(e, [{ price: 10, stock: 20 }]);
  const c = await coupon(e, { totalQuantity: 10 });
  await e.request('POST', `/coupons/${c}/issue`, { token: e.tokenFor(7) });
  await drainCoupon(e.deps, c);
  // A copy Redis says was issued but that never went through the outbox, and 5 units that appeared from nowhere.
  await e.deps.redis.hset(e.deps.keys.couponIssued(c), '99', String(Date.now()));
  await e.deps.redis.incrby(e.deps.keys.optionStock(p.optionIds[0]!), 5);
  const drifts = await reconcile(e.deps);
  expect(drifts).toEqual(
    expect.arrayContaining([
      { kind: 'coupon_issued', id: c, redis: 2, mysql: 1, difference: 1 },
      { kind: 'option_stock', id: p.optionIds[0], redis: 25, mysql: 20, difference: 5 },
    ]),
  );
  const metrics = await e.request('GET', '/metrics');
  expect(metrics.body).toContain(`engine_drift{kind="option_stock",id="${p.optionIds[0]}"} 5`);
  expect(metrics.body).toContain(`engine_drift{kind="coupon_issued",id="${c}"} 1`);
});
