import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders, pointHistory, userCoupons } from '../src/db/schema/index.ts';
import { releaseStock, reserveStock } from '../src/orders/reservations.ts';
import { sweepReservations } from '../src/orders/sweeper.ts';
import { concurrently, createTestEngine, type TestEngine } from './harness.ts';
import { coupon, durableStockOf, liveStockOf, product, snapshot } from './fixtures.ts';

let e: TestEngine;
beforeAll(async () => (e = await createTestEngine()));
afterAll(() => e.close());

const order = (token: string, body: unknown, headers?: Record<string, string>) =>
  e.request('POST', '/orders', { token, body, headers });
const issue = (couponId: number, token: string) => e.request('POST', `/coupons/${couponId}/issue`, { token });

describe('placing an order', () => {
  it('reserves stock, takes the coupon and the points, and answers the order', async () => {
    const p = await product(e, [
      { price: 15000, stock: 10 },
      { price: 2000, stock: 5 },
    ]);
    const [a, b] = p.optionIds as [number, number];
    const u = await e.user(100_000);
    const c = await coupon(e, { discountType: 'PERCENT', discountValue: 10 });
    expect((await issue(c, u.token)).status).toBe(201);
    const r = await order(u.token, {
      items: [
        { optionId: a, quantity: 2 },
        { optionId: b, quantity: 1 },
      ],
      couponId: c,
    });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      orderId: expect.any(Number),
      userId: u.id,
      status: 'PAID',
      items: [
        { productId: p.id, optionId: a, quantity: 2, unitPrice: 15000 },
        { productId: p.id, optionId: b, quantity: 1, unitPrice: 2000 },
      ],
      totalAmount: 32000,
      discountAmount: 3200,
      paidAmount: 28800,
      couponId: c,
      createdAt: expect.stringMatching(/Z$/),
    });
    expect(await snapshot(e, u.id, [a, b], c)).toEqual({
      live: [8, 4],
      durable: [8, 4],
      balance: 71_200,
      historyRows: 2,
      coupons: [{ userId: u.id, status: 'USED', orderId: r.body.orderId }],
    });
    const [use] = await e.deps.db.select().from(pointHistory).where(eq(pointHistory.orderId, r.body.orderId));
    expect(use).toMatchObject({ type: 'USE', amount: 28800, balanceAfter: 71_200 });
    expect((await e.request('GET', `/orders/${r.body.orderId}`, { token: u.token })).body).toEqual(r.body);
    expect((await e.request('GET', `/orders/${r.body.orderId}`, { token: e.adminToken })).body).toEqual(r.body);
    expect((await e.request('GET', `/users/${u.id}/orders`, { token: u.token })).body).toEqual({
      items: [r.body],
      nextCursor: null,
    });
    expect((await e.request('GET', `/products/${p.id}`)).body.options.map((o: { stock: number }) => o.stock)).toEqual([
      8, 4,
    ]);
  });

  it('a FIXED coupon never takes more than the total, and a zero payment writes no USE row', async () => {
    const p = await product(e, [{ price: 500, stock: 5 }]);
    const u = await e.user(0);
    const c = await coupon(e, { discountType: 'FIXED', discountValue: 1000 });
    await issue(c, u.token);
    const r = await order(u.token, { items: [{ optionId: p.optionIds[0], quantity: 1 }], couponId: c });
    expect(r.body).toMatchObject({ totalAmount: 500, discountAmount: 500, paidAmount: 0 });
    expect((await snapshot(e, u.id, p.optionIds)).historyRows).toBe(0);
  });

  it("403 for an admin placing one and for another user's order; 404 for a missing one", async () => {
    const p = await product(e, [{ price: 1, stock: 5 }]);
    const u = await e.user(10);
    const v = await e.user(10);
    expect((await order(e.adminToken, { items: [{ optionId: p.optionIds[0], quantity: 1 }] })).status).toBe(403);
    const r = await order(u.token, { items: [{ optionId: p.optionIds[0], quantity: 1 }] });
    expect((await e.request('GET', `/orders/${r.body.orderId}`, { token: v.token })).status).toBe(403);
    expect((await e.request('POST', `/orders/${r.body.orderId}/cancel`, { token: v.token })).status).toBe(403);
    expect((await e.request('GET', `/users/${u.id}/orders`, { token: v.token })).status).toBe(403);
    expect((await e.request('GET', '/orders/999999', { token: u.token })).body.error.code).toBe('ORDER_NOT_FOUND');
  });
});

describe('a failed order changes nothing', () => {
  it.each([
    ['no items', { items: [] }],
    ['21 items', { items: Array.from({ length: 21 }, (_, i) => ({ optionId: i + 1, quantity: 1 })) }],
    ['quantity 0', { items: [{ optionId: 1, quantity: 0 }] }],
    ['quantity 101', { items: [{ optionId: 1, quantity: 101 }] }],
    [
      'an option twice',
      {
        items: [
          { optionId: 1, quantity: 1 },
          { optionId: 1, quantity: 2 },
        ],
      },
    ],
    ['a string quantity', { items: [{ optionId: 1, quantity: '1' }] }],
    ['a fractional coupon id', { items: [{ optionId: 1, quantity: 1 }], couponId: 1.5 }],
  ])('%s → 400', async (_, body) => {
    const u = await e.user();
    const r = await order(u.token, body);
    expect([r.status, r.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('PRODUCT_NOT_FOUND, OUT_OF_STOCK, INSUFFICIENT_POINTS and every COUPON_NOT_USABLE', async () => {
    const p = await product(e, [
      { price: 1000, stock: 3 },
      { price: 1000, stock: 3 },
    ]);
    const [a, b] = p.optionIds as [number, number];
    const u = await e.user(2500);
    const other = await e.user(0);
    const held = await coupon(e, { discountValue: 100 });
    const notHeld = await coupon(e);
    const expired = await coupon(e, { validDays: 1 });
    await issue(held, u.token);
    await issue(notHeld, other.token);
    await issue(expired, u.token);
    // Age the expired copy (written here if the drain has not persisted it yet).
    const issuedAt = Number(await e.deps.redis.hget(e.deps.keys.couponIssued(expired), String(u.id)));
    const past = new Date(Date.now() - 1000);
    await e.deps.db
      .insert(userCoupons)
      .values({ couponId: expired, userId: u.id, status: 'AVAILABLE', issuedAt: new Date(issuedAt), expiresAt: past })
      .onDuplicateKeyUpdate({ set: { expiresAt: past } });
    const used = await coupon(e, { discountValue: 100 });
    await issue(used, u.token);
    expect((await order(u.token, { items: [{ optionId: a, quantity: 1 }], couponId: used })).status).toBe(201);

    const before = await snapshot(e, u.id, [a, b], held);
    const cases: [unknown, number, string][] = [
      [
        {
          items: [
            { optionId: a, quantity: 1 },
            { optionId: 999_999, quantity: 1 },
          ],
        },
        404,
        'PRODUCT_NOT_FOUND',
      ],
      [
        {
          items: [
            { optionId: a, quantity: 1 },
            { optionId: b, quantity: 4 },
          ],
        },
        409,
        'OUT_OF_STOCK',
      ],
      [
        {
          items: [
            { optionId: a, quantity: 2 },
            { optionId: b, quantity: 1 },
          ],
        },
        409,
        'INSUFFICIENT_POINTS',
      ],
      [{ items: [{ optionId: a, quantity: 1 }], couponId: 999_999 }, 409, 'COUPON_NOT_USABLE'],
      [{ items: [{ optionId: a, quantity: 1 }], couponId: notHeld }, 409, 'COUPON_NOT_USABLE'],
      [{ items: [{ optionId: a, quantity: 1 }], couponId: used }, 409, 'COUPON_NOT_USABLE'],
      [{ items: [{ optionId: a, quantity: 1 }], couponId: expired }, 409, 'COUPON_NOT_USABLE'],
    ];
    for (const [body, status, code] of cases) {
      const r = await order(u.token, body);
      expect([code, r.status, r.body.error?.code]).toEqual([code, status, code]);
      expect(await snapshot(e, u.id, [a, b], held)).toEqual(before);
    }
    expect(await e.deps.redis.zcard(e.deps.keys.reservations)).toBe(0);
  });
});

describe('under concurrency', () => {
  it('300 funded users, one option with stock 100 → exactly 100 paid; stock 0 in Redis and MySQL', async () => {
    const price = 700;
    const p = await product(e, [{ price, stock: 100 }]);
    const opt = p.optionIds[0]!;
    const users = await concurrently(300, () => e.user(price));
    const res = await concurrently(300, (i) => order(users[i]!.token, { items: [{ optionId: opt, quantity: 1 }] }));
    const paid = res.filter((r) => r.status === 201);
    expect(paid).toHaveLength(100);
    expect(res.filter((r) => r.status === 409 && r.body.error.code === 'OUT_OF_STOCK')).toHaveLength(200);
    expect([await liveStockOf(e, opt), await durableStockOf(e, opt)]).toEqual([0, 0]);
    const ids = users.map((u) => u.id);
    const [{ total }] = (
      await e.deps.db.execute(
        sql`SELECT COALESCE(SUM(balance),0) AS total FROM point_wallets WHERE user_id IN (${sql.join(
          ids.map((i) => sql`${i}`),
          sql`, `,
        )})`,
      )
    )[0] as unknown as [{ total: string }];
    expect(Number(total)).toBe(300 * price - 100 * price);
    const [{ n }] = (await e.deps.db
      .select({ n: sql<number>`count(*)` })
      .from(orders)
      .where(
        sql`${orders.id} IN (${sql.join(
          paid.map((r) => sql`${r.body.orderId}`),
          sql`, `,
        )})`,
      )) as [{ n: number }];
    expect(n).toBe(100);
  });

  it('one user funded for exactly one order sends 20 concurrent orders → one paid, 19 INSUFFICIENT_POINTS, no stock lost', async () => {
    const p = await product(
      e,
      Array.from({ length: 20 }, () => ({ price: 5000, stock: 10 })),
    );
    const u = await e.user(5000);
    const res = await concurrently(20, (i) => order(u.token, { items: [{ optionId: p.optionIds[i], quantity: 1 }] }));
    expect(res.filter((r) => r.status === 201)).toHaveLength(1);
    expect(res.filter((r) => r.body.error?.code === 'INSUFFICIENT_POINTS')).toHaveLength(19);
    const s = await snapshot(e, u.id, p.optionIds);
    expect(s.live.reduce((x, y) => x + y, 0)).toBe(199);
    expect(s.durable.reduce((x, y) => x + y, 0)).toBe(199);
    expect(s.balance).toBe(0);
  });

  it('one coupon in 10 concurrent orders → one succeeds', async () => {
    const p = await product(e, [{ price: 1000, stock: 50 }]);
    const u = await e.user(100_000);
    const c = await coupon(e, { discountValue: 300 });
    await issue(c, u.token);
    const res = await concurrently(10, () =>
      order(u.token, { items: [{ optionId: p.optionIds[0], quantity: 1 }], couponId: c }),
    );
    expect(res.filter((r) => r.status === 201)).toHaveLength(1);
    expect(res.filter((r) => r.body.error?.code === 'COUPON_NOT_USABLE')).toHaveLength(9);
    expect(await snapshot(e, u.id, p.optionIds)).toMatchObject({ live: [49], durable: [49], balance: 99_300 });
  });
});

describe('cancel and idempotency', () => {
  it('cancel refunds points, restores stock and the coupon; a second cancel is 409', async () => {
    const p = await product(e, [{ price: 3000, stock: 4 }]);
    const u = await e.user(10_000);
    const c = await coupon(e, { discountValue: 1000 });
    await issue(c, u.token);
    const before = await snapshot(e, u.id, p.optionIds, c);
    const r = await order(u.token, { items: [{ optionId: p.optionIds[0], quantity: 2 }], couponId: c });
    expect(r.body.paidAmount).toBe(5000);
    const cancel = await e.request('POST', `/orders/${r.body.orderId}/cancel`, { token: u.token });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toEqual({ ...r.body, status: 'CANCELLED' });
    const after = await snapshot(e, u.id, p.optionIds, c);
    expect(after).toEqual({
      ...before,
      historyRows: before.historyRows + 2,
      coupons: [{ userId: u.id, status: 'AVAILABLE', orderId: null }],
    });
    const refund = await e.deps.db.select().from(pointHistory).where(eq(pointHistory.orderId, r.body.orderId));
    expect(refund.map((h) => [h.type, h.amount])).toEqual([
      ['USE', 5000],
      ['REFUND', 5000],
    ]);
    const again = await e.request('POST', `/orders/${r.body.orderId}/cancel`, { token: e.adminToken });
    expect([again.status, again.body.error.code]).toEqual([409, 'ORDER_NOT_CANCELLABLE']);
    expect(await snapshot(e, u.id, p.optionIds, c)).toEqual(after);
    expect((await order(u.token, { items: [{ optionId: p.optionIds[0], quantity: 1 }], couponId: c })).status).toBe(
      201,
    );
  });

  it('an idempotent retry returns the same order and pays once', async () => {
    const p = await product(e, [{ price: 100, stock: 10 }]);
    const u = await e.user(1000);
    const headers = { 'idempotency-key': 'order-1' };
    const body = { items: [{ optionId: p.optionIds[0], quantity: 3 }] };
    const first = await order(u.token, body, headers);
    const again = await order(u.token, body, headers);
    expect([again.status, again.body, again.headers.get('idempotent-replayed')]).toEqual([201, first.body, 'true']);
    expect((await order(u.token, { items: [{ optionId: p.optionIds[0], quantity: 4 }] }, headers)).status).toBe(422);
    expect(await snapshot(e, u.id, p.optionIds)).toMatchObject({
      live: [7],
      durable: [7],
      balance: 700,
      historyRows: 2,
    });
  });
});

describe('reservations a crash left behind', () => {
  it('the sweeper returns a reservation that never became an order', async () => {
    const p = await product(e, [
      { price: 1, stock: 10 },
      { price: 1, stock: 10 },
    ]);
    const [a, b] = p.optionIds as [number, number];
    const reserved = await reserveStock(
      e.deps,
      'crashed-1',
      [
        { optionId: a, quantity: 3 },
        { optionId: b, quantity: 2 },
      ],
      Date.now() - 120_000,
    );
    expect(reserved).toEqual({ ok: true });
    expect([await liveStockOf(e, a), await liveStockOf(e, b)]).toEqual([7, 8]);
    await reserveStock(e.deps, 'fresh-1', [{ optionId: a, quantity: 1 }], Date.now());
    expect(await sweepReservations(e.deps, 60_000)).toEqual({ released: 1, confirmed: 0 });
    expect([await liveStockOf(e, a), await liveStockOf(e, b)]).toEqual([9, 10]);
    expect(await sweepReservations(e.deps, 60_000)).toEqual({ released: 0, confirmed: 0 });
    await releaseStock(e.deps, 'fresh-1');
    expect([await liveStockOf(e, a), await durableStockOf(e, a)]).toEqual([10, 10]);
  });

  it('a reservation whose order did commit is confirmed, never released', async () => {
    const p = await product(e, [{ price: 1, stock: 10 }]);
    const opt = p.optionIds[0]!;
    const u = await e.user(100);
    const r = await order(u.token, { items: [{ optionId: opt, quantity: 4 }] });
    const [row] = await e.deps.db.select().from(orders).where(eq(orders.id, r.body.orderId));
    // As if the API died after its commit and before confirming: the reservation is still there.
    await e.deps.redis.hset(e.deps.keys.reservation(row!.reservationId), String(opt), '4');
    await e.deps.redis.zadd(e.deps.keys.reservations, 0, row!.reservationId);
    expect(await sweepReservations(e.deps, 60_000)).toEqual({ released: 0, confirmed: 1 });
    expect([await liveStockOf(e, opt), await durableStockOf(e, opt)]).toEqual([6, 6]);
  });
});
