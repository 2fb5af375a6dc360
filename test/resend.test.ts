/**
 * A lost Redis reply and a Redis that is down or hangs, through a TCP proxy in front of the shared server.
 * ioredis resends a command whose reply was lost when it reconnects; every state-changing script must then
 * answer the resend as the first run, never apply it twice. And an answer never waits long on a dead Redis.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { coupon, durableStockOf, liveStockOf, product } from './fixtures.ts';
import { createTestEngine, until, type TestEngine } from './harness.ts';
import { startRedisProxy, type RedisProxy } from './redis-proxy.ts';

let proxy: RedisProxy;
let e: TestEngine;
beforeAll(async () => {
  proxy = await startRedisProxy();
  e = await createTestEngine({ env: { REDIS_URL: proxy.url } });
});
afterEach(() => proxy.restore());
afterAll(async () => {
  proxy.restore();
  await e.close();
  await proxy.close();
});

const timed = async <T>(fn: () => Promise<T>) => {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
};

describe('a lost reply is resent and applied once', () => {
  it('reserve-stock: an order of 5 on stock 100 answers 201 and takes 5, in Redis and MySQL', async () => {
    const p = await product(e, [{ price: 100, stock: 100 }]);
    const optionId = p.optionIds[0]!;
    const buyer = await e.user(10_000);
    const dropped = proxy.dropped;
    proxy.dropReplyTo('eval', '{stock}:reservation:', `{stock}:option:${optionId}`);
    const r = await e.request('POST', '/orders', { token: buyer.token, body: { items: [{ optionId, quantity: 5 }] } });
    expect(r.status).toBe(201);
    expect(proxy.dropped).toBe(dropped + 1);
    expect(await liveStockOf(e, optionId)).toBe(95);
    expect(await durableStockOf(e, optionId)).toBe(95);
    expect(await e.deps.redis.zcard(e.deps.keys.reservations)).toBe(0);
  });

  it('adjust-stock: a PATCH of +10 answers 110 and moves Redis and MySQL by 10', async () => {
    const p = await product(e, [{ price: 100, stock: 100 }]);
    const optionId = p.optionIds[0]!;
    const dropped = proxy.dropped;
    proxy.dropReplyTo('eval', '{stock}:adjusted:');
    const r = await e.request('PATCH', `/admin/options/${optionId}/stock`, {
      token: e.adminToken,
      body: { delta: 10 },
    });
    expect([r.status, r.body.stock]).toEqual([200, 110]);
    expect(proxy.dropped).toBe(dropped + 1);
    expect(await liveStockOf(e, optionId)).toBe(110);
    expect(await durableStockOf(e, optionId)).toBe(110);
  });

  it('issue-coupon: the winner hears 201, not COUPON_ALREADY_ISSUED, and one copy is taken', async () => {
    const id = await coupon(e, { totalQuantity: 10 });
    const buyer = await e.user();
    const dropped = proxy.dropped;
    proxy.dropReplyTo('eval', `coupon:{${id}}:req:`);
    const r = await e.request('POST', `/coupons/${id}/issue`, { token: buyer.token });
    expect([r.status, r.body.userId]).toEqual([201, buyer.id]);
    expect(proxy.dropped).toBe(dropped + 1);
    const status = await e.request('GET', `/admin/coupons/${id}`, { token: e.adminToken });
    expect([status.body.issuedCount, status.body.remaining]).toEqual([1, 9]);
  });
});

describe('answers never wait on a dead Redis', () => {
  it('a cancel while Redis is down answers 200 at once; the live restock is repaired when it is back', async () => {
    const p = await product(e, [{ price: 100, stock: 10 }]);
    const optionId = p.optionIds[0]!;
    const buyer = await e.user(1_000);
    const order = await e.request('POST', '/orders', {
      token: buyer.token,
      body: { items: [{ optionId, quantity: 2 }] },
    });
    expect(order.status).toBe(201);

    proxy.refuse();
    const cancel = await timed(() => e.request('POST', `/orders/${order.body.orderId}/cancel`, { token: buyer.token }));
    expect(cancel.value.status).toBe(200);
    expect(cancel.value.body.status).toBe('CANCELLED');
    expect(cancel.ms).toBeLessThan(3_000);
    const refused = await timed(() =>
      e.request('POST', '/orders', { token: buyer.token, body: { items: [{ optionId, quantity: 1 }] } }),
    );
    expect(refused.value.status).toBe(503);
    expect(refused.ms).toBeLessThan(3_000);

    proxy.restore();
    await until(
      () => e.deps.redis.ping(),
      (v) => v === 'PONG',
      10_000,
      'the hot client to reconnect',
    );
    const { repairRestocks } = await import('../src/orders/sweeper.ts');
    expect(await repairRestocks(e.deps, 0)).toBe(1);
    expect(await liveStockOf(e, optionId)).toBe(10);
    expect(await durableStockOf(e, optionId)).toBe(10);
  });

  it('an issue request while Redis hangs answers 503 within a few seconds', async () => {
    const id = await coupon(e, { totalQuantity: 10 });
    const buyer = await e.user();
    proxy.hang();
    const r = await timed(() => e.request('POST', `/coupons/${id}/issue`, { token: buyer.token }));
    expect(r.value.status).toBe(503);
    expect(r.ms).toBeLessThan(5_000);
    proxy.restore();
    await until(
      () => e.deps.redis.ping(),
      (v) => v === 'PONG',
      10_000,
      'the hot client to reconnect',
    );
  });
});
