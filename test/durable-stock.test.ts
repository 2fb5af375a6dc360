import { eq, isNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { productOptions, stockLedger } from '../src/db/schema/index.ts';
import { applyStockLedger, durableStock } from '../src/products/stock-ledger.repo.ts';
import { concurrently, createTestEngine, type TestEngine } from './harness.ts';
import { product } from './fixtures.ts';

let e: TestEngine;
beforeAll(async () => (e = await createTestEngine()));
afterAll(() => e.close());

const row = async (id: number) =>
  (await e.deps.db.select().from(productOptions).where(eq(productOptions.id, id)))[0]!.stock;
const pending = async () =>
  Number(
    (await e.deps.db.select({ n: sql<number>`count(*)` }).from(stockLedger).where(isNull(stockLedger.appliedAt)))[0]!.n,
  );

it('orders and cancellations move durable stock through the ledger; folding it in changes nothing visible', async () => {
  const p = await product(e, [
    { price: 1, stock: 50 },
    { price: 1, stock: 100 },
  ]);
  const [a, b] = p.optionIds as [number, number];
  const buyers = await concurrently(30, () => e.user(10));
  const orders = await concurrently(30, (i) =>
    e.request('POST', '/orders', {
      token: buyers[i]!.token,
      body: {
        items: [
          { optionId: a, quantity: 1 },
          { optionId: b, quantity: 2 },
        ],
      },
    }),
  );
  expect(orders.every((o) => o.status === 201)).toBe(true);
  await e.request('POST', `/orders/${orders[0]!.body.orderId}/cancel`, { token: buyers[0]!.token });

  expect([await row(a), await row(b)]).toEqual([50, 100]);
  expect(Object.fromEntries(await durableStock(e.deps.db, [a, b]))).toEqual({ [a]: 21, [b]: 42 });
  expect(await applyStockLedger(e.deps)).toBe(62);
  expect([await row(a), await row(b)]).toEqual([21, 42]);
  expect(Object.fromEntries(await durableStock(e.deps.db, [a, b]))).toEqual({ [a]: 21, [b]: 42 });
  expect(await applyStockLedger(e.deps)).toBe(0);
});

it('appliers running at once apply every movement exactly once', async () => {
  await applyStockLedger(e.deps);
  const p = await product(e, [{ price: 1, stock: 1000 }]);
  const opt = p.optionIds[0]!;
  const u = await e.user(1000);
  for (let i = 0; i < 40; i++) {
    expect(
      (await e.request('POST', '/orders', { token: u.token, body: { items: [{ optionId: opt, quantity: 2 }] } }))
        .status,
    ).toBe(201);
  }
  const counts = await Promise.all([
    applyStockLedger(e.deps, 7),
    applyStockLedger(e.deps, 7),
    applyStockLedger(e.deps, 7),
  ]);
  expect(counts.reduce((x, y) => x + y, 0)).toBe(40);
  expect(await row(opt)).toBe(920);
  expect(await pending()).toBe(0);
});

it('an admin correction is bounded by the durable stock, pending movements included', async () => {
  const p = await product(e, [{ price: 1, stock: 10 }]);
  const opt = p.optionIds[0]!;
  const u = await e.user(100);
  await e.request('POST', '/orders', { token: u.token, body: { items: [{ optionId: opt, quantity: 4 }] } });
  const tooMuch = await e.request('PATCH', `/admin/options/${opt}/stock`, { token: e.adminToken, body: { delta: -7 } });
  expect([tooMuch.status, tooMuch.body.error.code]).toEqual([409, 'OUT_OF_STOCK']);
  const ok = await e.request('PATCH', `/admin/options/${opt}/stock`, { token: e.adminToken, body: { delta: -6 } });
  expect(ok.body.stock).toBe(0);
  expect((await durableStock(e.deps.db, [opt])).get(opt)).toBe(0);
});
