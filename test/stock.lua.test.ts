import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmStock, confirmStocks, releaseStock, reserveStock, restockOrder } from '../src/orders/reservations.ts';
import { hourOf } from '../src/popular/sales-hours.ts';
import { AdjustCode, RESEND_MARKER_TTL_S } from '../src/redis/codes.ts';
import { createTestEngine, type TestEngine } from './harness.ts';

let e: TestEngine;
beforeAll(async () => (e = await createTestEngine()));
afterAll(() => e.close());

const stock = (id: number) => e.deps.redis.get(e.deps.keys.optionStock(id)).then(Number);
const setStock = (id: number, n: number) => e.deps.redis.set(e.deps.keys.optionStock(id), n);
const now = Date.parse('2026-11-25T10:00:00Z');

describe('lua/reserve-stock.lua', () => {
  it('reserves every item, or none, and reports which item failed', async () => {
    await setStock(1, 5);
    await setStock(2, 1);
    expect(
      await reserveStock(
        e.deps,
        'r1',
        [
          { optionId: 1, quantity: 2 },
          { optionId: 2, quantity: 2 },
        ],
        now,
      ),
    ).toEqual({ ok: false, reason: 'OUT_OF_STOCK', index: 1 });
    expect([await stock(1), await stock(2)]).toEqual([5, 1]);
    expect(await reserveStock(e.deps, 'r1', [{ optionId: 3, quantity: 1 }], now)).toEqual({
      ok: false,
      reason: 'MISSING',
      index: 0,
    });
    expect(
      await reserveStock(
        e.deps,
        'r1',
        [
          { optionId: 1, quantity: 2 },
          { optionId: 2, quantity: 1 },
        ],
        now,
      ),
    ).toEqual({ ok: true });
    expect([await stock(1), await stock(2)]).toEqual([3, 0]);
    expect(await e.deps.redis.hgetall(e.deps.keys.reservation('r1'))).toEqual({ '1': '2', '2': '1' });
    expect(await e.deps.redis.zscore(e.deps.keys.reservations, 'r1')).toBe(String(now));
  });
});

describe('lua/release-stock.lua and lua/confirm-stock.lua', () => {
  it('release gives the units back once; confirm keeps them sold and counts sales once', async () => {
    await setStock(10, 10);
    await reserveStock(e.deps, 'rel', [{ optionId: 10, quantity: 4 }], now);
    expect(await releaseStock(e.deps, 'rel')).toBe(true);
    expect(await releaseStock(e.deps, 'rel')).toBe(false);
    expect(await stock(10)).toBe(10);

    await reserveStock(e.deps, 'con', [{ optionId: 10, quantity: 3 }], now);
    expect(await confirmStock(e.deps, 'con', now, [{ productId: 77, units: 3 }])).toBe(true);
    expect(await confirmStock(e.deps, 'con', now, [{ productId: 77, units: 3 }])).toBe(false);
    expect(await releaseStock(e.deps, 'con')).toBe(false);
    expect(await stock(10)).toBe(7);
    expect(await e.deps.redis.zscore(e.deps.keys.salesHour(hourOf(now)), '77')).toBe('3');
    expect(await e.deps.redis.ttl(e.deps.keys.salesHour(hourOf(now)))).toBeGreaterThan(72 * 3600);
    expect(await e.deps.redis.zmscore(e.deps.keys.reservations, 'rel', 'con')).toEqual([null, null]);
  });
});

describe('lua/restock-order.lua', () => {
  it('puts units back and uncounts sales exactly once, dropping products that reach zero', async () => {
    await setStock(20, 0);
    const hour = e.deps.keys.salesHour(hourOf(Date.now()));
    await e.deps.redis.zadd(hour, 2, '88');
    const order = {
      orderId: 501,
      createdAt: Date.now(),
      reservationId: 'gone',
      items: [{ optionId: 20, productId: 88, quantity: 2 }],
    };
    expect(await restockOrder(e.deps, order)).toBe(true);
    expect(await restockOrder(e.deps, order)).toBe(false);
    expect(await stock(20)).toBe(2);
    expect(await e.deps.redis.zscore(hour, '88')).toBeNull();
  });

  it('an order cancelled before its confirmation: the reservation closes uncounted, and a late confirm counts nothing', async () => {
    await setStock(21, 10);
    const at = Date.now();
    const hour = e.deps.keys.salesHour(hourOf(at));
    await e.deps.redis.zadd(hour, 4, '89'); // another order's sales of the product
    expect(await reserveStock(e.deps, 'unconfirmed', [{ optionId: 21, quantity: 3 }], at)).toEqual({ ok: true });
    const order = {
      orderId: 502,
      createdAt: at,
      reservationId: 'unconfirmed',
      items: [{ optionId: 21, productId: 89, quantity: 3 }],
    };
    expect(await restockOrder(e.deps, order)).toBe(true);
    expect(await confirmStock(e.deps, 'unconfirmed', at, [{ productId: 89, units: 3 }])).toBe(false);
    expect(await stock(21)).toBe(10);
    expect(await e.deps.redis.zscore(hour, '89')).toBe('4');
    expect(await e.deps.redis.zscore(e.deps.keys.reservations, 'unconfirmed')).toBeNull();
  });
});

describe('lua/reserve-stock.lua run twice', () => {
  it('the same reservation id (a resend after a lost reply) takes the stock once', async () => {
    await setStock(22, 100);
    const items = [{ optionId: 22, quantity: 5 }];
    expect(await reserveStock(e.deps, 'twice', items, now)).toEqual({ ok: true });
    expect(await reserveStock(e.deps, 'twice', items, now)).toEqual({ ok: true });
    expect(await stock(22)).toBe(95);
    expect(await e.deps.redis.hgetall(e.deps.keys.reservation('twice'))).toEqual({ '22': '5' });
  });
});

describe('lua/adjust-stock.lua', () => {
  const adjust = (key: string, requestId: string, delta: number, bounded: 0 | 1 = 1) =>
    e.deps.redis.adjustStock(key, e.deps.keys.stockAdjusted(requestId), delta, 100, RESEND_MARKER_TTL_S, bounded);

  it('moves live stock within 0..limit', async () => {
    const key = e.deps.keys.optionStock(30);
    expect(await adjust(key, 'a1', 5)).toEqual([AdjustCode.NoStockKey]);
    await setStock(30, 10);
    expect(await adjust(key, 'a2', -11)).toEqual([AdjustCode.BelowZero]);
    expect(await adjust(key, 'a3', 91)).toEqual([AdjustCode.AboveLimit]);
    expect(await adjust(key, 'a4', 90)).toEqual([AdjustCode.Adjusted, 100]);
    expect(await stock(30)).toBe(100);
    expect(await adjust(key, 'a5', -101, 0)).toEqual([AdjustCode.Adjusted, -1]); // an undo is not bounded
  });

  it('the same request id (a resend after a lost reply) moves the stock once and answers the first result', async () => {
    const key = e.deps.keys.optionStock(31);
    await setStock(31, 10);
    expect(await adjust(key, 'once', 10)).toEqual([AdjustCode.Adjusted, 20]);
    expect(await adjust(key, 'once', 10)).toEqual([AdjustCode.Adjusted, 20]);
    expect(await stock(31)).toBe(20);
  });
});

describe('lua/confirm-stock.lua for a batch', () => {
  it('confirms every reservation of a batch in one call, each counted in its own hour, and none twice', async () => {
    await setStock(40, 10);
    const h1 = now;
    const h2 = now + 3_600_000;
    await reserveStock(e.deps, 'b1', [{ optionId: 40, quantity: 2 }], h1);
    await reserveStock(e.deps, 'b2', [{ optionId: 40, quantity: 3 }], h2);
    const batch = [
      { rid: 'b1', orderCreatedAt: h1, sales: [{ productId: 400, units: 2 }] },
      {
        rid: 'b2',
        orderCreatedAt: h2,
        sales: [
          { productId: 400, units: 1 },
          { productId: 401, units: 2 },
        ],
      },
      { rid: 'never-reserved', orderCreatedAt: h1, sales: [{ productId: 400, units: 9 }] },
    ];
    expect(await confirmStocks(e.deps, batch)).toBe(2);
    expect(await confirmStocks(e.deps, batch)).toBe(0);
    expect(await e.deps.redis.zscore(e.deps.keys.salesHour(hourOf(h1)), '400')).toBe('2');
    expect(await e.deps.redis.zscore(e.deps.keys.salesHour(hourOf(h2)), '400')).toBe('1');
    expect(await e.deps.redis.zscore(e.deps.keys.salesHour(hourOf(h2)), '401')).toBe('2');
    expect(await e.deps.redis.zmscore(e.deps.keys.reservations, 'b1', 'b2')).toEqual([null, null]);
    expect(await stock(40)).toBe(5);
  });
});
