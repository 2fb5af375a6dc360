import { eq, sql } from 'drizzle-orm';
import { pointHistory, pointWallets, userCoupons } from '../src/db/schema/index.ts';
import { durableStock } from '../src/products/stock-ledger.repo.ts';
import type { TestEngine } from './harness.ts';

/** A product through the admin API; returns its id and option ids. */
export async function product(e: TestEngine, options: { price: number; stock: number }[], name = 'Sneakers') {
  const r = await e.request('POST', '/admin/products', {
    token: e.adminToken,
    body: { name, description: 'test product', options: options.map((o, i) => ({ name: `opt-${i}`, ...o })) },
  });
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return { id: r.body.id as number, optionIds: r.body.options.map((o: { id: number }) => o.id) as number[] };
}

export async function coupon(e: TestEngine, over: Record<string, unknown> = {}) {
  const r = await e.request('POST', '/admin/coupons', {
    token: e.adminToken,
    body: { name: 'Coupon', discountType: 'FIXED', discountValue: 1000, totalQuantity: 100, validDays: 7, ...over },
  });
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return r.body.id as number;
}

/** Every piece of state an order touches, for "nothing changed" assertions. */
export async function snapshot(e: TestEngine, userId: number, optionIds: number[], couponId?: number) {
  const live = await e.deps.redis.mget(optionIds.map((id) => e.deps.keys.optionStock(id)));
  const stock = await durableStock(e.deps.db, optionIds);
  const durable = optionIds.map((id) => stock.get(id) ?? Number.NaN);
  const [wallet] = await e.deps.db.select().from(pointWallets).where(eq(pointWallets.userId, userId));
  const [{ n }] = (await e.deps.db
    .select({ n: sql<number>`count(*)` })
    .from(pointHistory)
    .where(eq(pointHistory.userId, userId))) as [{ n: number }];
  const coupons =
    couponId === undefined
      ? null
      : await e.deps.db.select().from(userCoupons).where(eq(userCoupons.couponId, couponId));
  return {
    live: live.map(Number),
    durable,
    balance: wallet?.balance,
    historyRows: n,
    coupons: coupons?.map((c) => ({ userId: c.userId, status: c.status, orderId: c.orderId })),
  };
}

export const liveStockOf = async (e: TestEngine, optionId: number) =>
  Number(await e.deps.redis.get(e.deps.keys.optionStock(optionId)));
/** Durable stock as the engine defines it: the option row plus ledger movements not folded in yet. */
export const durableStockOf = async (e: TestEngine, optionId: number) =>
  (await durableStock(e.deps.db, [optionId])).get(optionId);
