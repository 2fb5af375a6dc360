/**
 * Orders at their edges: who may order, what a refund may do, how a discount rounds, and one outcome per order
 * when Redis fails between an order's commit and its confirmation.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders, pointHistory, pointWallets } from '../src/db/schema/index.ts';
import { repairRestocks, sweepReservations } from '../src/orders/sweeper.ts';
import { hourOf } from '../src/popular/sales-hours.ts';
import { coupon, durableStockOf, liveStockOf, product, snapshot } from './fixtures.ts';
import { createTestEngine, until, type TestEngine } from './harness.ts';
import { startRedisProxy, type RedisProxy } from './redis-proxy.ts';

let proxy: RedisProxy;
let e: TestEngine;
beforeAll(async () => {
  proxy = await startRedisProxy();
  e = await createTestEngine({ env: { REDIS_URL: proxy.url } });
});
afterAll(async () => {
  proxy.restore();
  await e.close();
  await proxy.close();
});

const order = (token: string, items: { optionId: number; quantity: number }[], couponId?: number) =>
  e.request('POST', '/orders', { token, body: { items, ...(couponId ? { couponId } : {}) } });
const redisBack = async () => {
  proxy.restore();
  await until(
    () => e.deps.redis.ping(),
    (v) => v === 'PONG',
    10_000,
    'the hot client to reconnect',
  );
};
const salesOf = async (productId: number, at: number) =>
  e.deps.redis.zscore(e.deps.keys.salesHour(hourOf(at)), String(productId));

describe('who may order', () => {
  it('an order by a user that does not exist answers 404 USER_NOT_FOUND and changes nothing, even when it costs 0', async () => {
    const p = await product(e, [
      { price: 0, stock: 5 },
      { price: 100, stock: 0 },
    ]);
    const [free, soldOut] = p.optionIds as [number, number];
    const ghost = e.tokenFor(987_654);
    const r = await order(ghost, [{ optionId: free, quantity: 1 }]);
    expect([r.status, r.body.error.code]).toEqual([404, 'USER_NOT_FOUND']);
    // existence (404) comes before business rules (409)
    const out = await order(ghost, [{ optionId: soldOut, quantity: 1 }]);
    expect([out.status, out.body.error.code]).toEqual([404, 'USER_NOT_FOUND']);
    expect([await liveStockOf(e, free), await durableStockOf(e, free)]).toEqual([5, 5]);
    expect(await e.deps.db.select().from(orders).where(eq(orders.userId, 987_654))).toEqual([]);
    expect(await e.deps.redis.zcard(e.deps.keys.reservations)).toBe(0);
  });
});

describe('prices', () => {
  it('PERCENT takes floor(total × value / 100): 15 % of 999 is 149, not 150', async () => {
    const p = await product(e, [{ price: 333, stock: 10 }]);
    const c = await coupon(e, { discountType: 'PERCENT', discountValue: 15 });
    const u = await e.user(10_000);
    expect((await e.request('POST', `/coupons/${c}/issue`, { token: u.token })).status).toBe(201);
    const r = await order(u.token, [{ optionId: p.optionIds[0]!, quantity: 3 }], c);
    expect([r.status, r.body.totalAmount, r.body.discountAmount, r.body.paidAmount]).toEqual([201, 999, 149, 850]);
    expect((await e.request('GET', `/users/${u.id}/points`, { token: u.token })).body.balance).toBe(10_000 - 850);
  });
});

describe('refunds', () => {
  it('a refund always applies, even above the balance limit, and writes its REFUND row', async () => {
    const p = await product(e, [{ price: 100_000, stock: 10 }]);
    const u = await e.user(100_000);
    const paid = await order(u.token, [{ optionId: p.optionIds[0]!, quantity: 1 }]);
    expect(paid.status).toBe(201);
    // A balance of 99,950,000 the ordinary way (charges of at most 1,000,000), written directly with its history row.
    await e.deps.db.update(pointWallets).set({ balance: 99_950_000 }).where(eq(pointWallets.userId, u.id));
    await e.deps.db
      .insert(pointHistory)
      .values({ userId: u.id, type: 'CHARGE', amount: 99_950_000, balanceAfter: 99_950_000, createdAt: new Date() });

    const cancel = await e.request('POST', `/orders/${paid.body.orderId}/cancel`, { token: u.token });
    expect([cancel.status, cancel.body.status]).toEqual([200, 'CANCELLED']);
    const history = await e.request('GET', `/users/${u.id}/points/history?limit=1`, { token: u.token });
    expect(history.body.items[0]).toMatchObject({
      type: 'REFUND',
      amount: 100_000,
      balanceAfter: 100_050_000,
      orderId: paid.body.orderId,
    });
    const charge = await e.request('POST', `/users/${u.id}/points/charge`, { token: u.token, body: { amount: 1 } });
    expect([charge.status, charge.body.error.code]).toEqual([409, 'BALANCE_LIMIT_EXCEEDED']);
  });
});

describe('one outcome per order when Redis fails after the commit', () => {
  /** An order of `quantity` from stock 20 that commits in MySQL while Redis goes down right after reserving. */
  async function paidWithoutConfirmation(quantity: number) {
    const p = await product(e, [{ price: 10, stock: 20 }]);
    const optionId = p.optionIds[0]!;
    const u = await e.user(1_000);
    proxy.downAfterReplyTo('eval', '{stock}:reservation:', `{stock}:option:${optionId}`);
    const at = Date.now();
    const paid = await order(u.token, [{ optionId, quantity }]);
    expect(paid.status).toBe(201); // committed in MySQL; its Redis confirmation failed
    const cancel = () => e.request('POST', `/orders/${paid.body.orderId}/cancel`, { token: u.token });
    return { productId: p.id, optionId, u, at, cancel };
  }

  it('cancelled before the sweeper ran: its units are back on sale and never counted as sold', async () => {
    const { productId, optionId, at, cancel } = await paidWithoutConfirmation(4);
    await redisBack();
    expect(await e.deps.redis.zcard(e.deps.keys.reservations)).toBe(1);

    expect((await cancel()).status).toBe(200);
    await sweepReservations(e.deps, 0);
    expect(await salesOf(productId, at)).toBeNull();
    expect([await liveStockOf(e, optionId), await durableStockOf(e, optionId)]).toEqual([20, 20]);
    expect(await e.deps.redis.zcard(e.deps.keys.reservations)).toBe(0);
  });

  it('cancelled while Redis was still down: the sweeper restocks it uncounted, and the repair job finds nothing left', async () => {
    const { productId, optionId, u, at, cancel } = await paidWithoutConfirmation(3);
    expect((await cancel()).status).toBe(200);
    await redisBack();

    expect(await sweepReservations(e.deps, 0)).toEqual({ released: 0, confirmed: 1 });
    expect(await repairRestocks(e.deps, 0)).toBe(0);
    expect(await salesOf(productId, at)).toBeNull();
    expect([await liveStockOf(e, optionId), await durableStockOf(e, optionId)]).toEqual([20, 20]);
    const state = await snapshot(e, u.id, [optionId]);
    expect(state.balance).toBe(1_000);
  });
});
