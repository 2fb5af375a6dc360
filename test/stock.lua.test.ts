import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmStock, hourOf, releaseStock, reserveStock, restockOrder } from '../src/products/stock.ts';
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
    expect(await reserveStock(e.deps, 'r1', [{ optionId: 1, quantity: 2 }, { optionId: 2, quantity: 2 }], now)).toEqual({ ok: false, reason: 'OUT_OF_STOCK', index: 1 });
    expect([await stock(1), await stock(2)]).toEqual([5, 1]);
    expect(await reserveStock(e.deps, 'r1', [{ optionId: 3, quantity: 1 }], now)).toEqual({ ok: false, reason: 'MISSING', index: 0 });
    expect(await reserveStock(e.deps, 'r1', [{ optionId: 1, quantity: 2 }, { optionId: 2, quantity: 1 }], now)).toEqual({ ok: true });
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
    const order = { id: 501, createdAt: Date.now(), items: [{ optionId: 20, productId: 88, quantity: 2 }] };
    expect(await restockOrder(e.deps, order)).toBe(true);
    expect(await restockOrder(e.deps, order)).toBe(false);
    expect(await stock(20)).toBe(2);
    expect(await e.deps.redis.zscore(hour, '88')).toBeNull();
  });
});

describe('lua/adjust-stock.lua', () => {
  it('moves live stock within 0..limit', async () => {
    const key = e.deps.keys.optionStock(30);
    expect(await e.deps.redis.adjustStock(key, 5, 100)).toEqual([-2]);
    await setStock(30, 10);
    expect(await e.deps.redis.adjustStock(key, -11, 100)).toEqual([-1]);
    expect(await e.deps.redis.adjustStock(key, 91, 100)).toEqual([-3]);
    expect(await e.deps.redis.adjustStock(key, 90, 100)).toEqual([1, 100]);
    expect(await stock(30)).toBe(100);
  });
});
