import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEngine, type TestEngine } from './harness.ts';
import { durableStockOf, liveStockOf, product } from './fixtures.ts';

let e: TestEngine;
beforeAll(async () => (e = await createTestEngine()));
afterAll(() => e.close());

describe('products', () => {
  it('admin creates a product; GET shows options in order with live stock', async () => {
    const r = await e.request('POST', '/admin/products', {
      token: e.adminToken,
      body: {
        name: 'Jacket',
        options: [
          { name: 'S', price: 15000, stock: 3 },
          { name: 'M', price: 16000, stock: 0 },
        ],
      },
    });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: expect.any(Number),
      name: 'Jacket',
      description: null,
      options: [
        { id: expect.any(Number), name: 'S', price: 15000, stock: 3 },
        { id: expect.any(Number), name: 'M', price: 16000, stock: 0 },
      ],
    });
    expect((await e.request('GET', `/products/${r.body.id}`)).body).toEqual(r.body);
    const list = await e.request('GET', '/products?limit=100');
    expect(list.body.items).toContainEqual({ id: r.body.id, name: 'Jacket', description: null });
  });

  it('404 PRODUCT_NOT_FOUND, 400 on a bad id', async () => {
    expect((await e.request('GET', '/products/999999')).body.error.code).toBe('PRODUCT_NOT_FOUND');
    expect((await e.request('GET', '/products/x1')).status).toBe(400);
  });

  it.each([
    ['no options', { name: 'P', options: [] }],
    ['51 options', { name: 'P', options: Array.from({ length: 51 }, () => ({ name: 'o', price: 1, stock: 1 })) }],
    ['a negative price', { name: 'P', options: [{ name: 'o', price: -1, stock: 1 }] }],
    ['stock over a million', { name: 'P', options: [{ name: 'o', price: 1, stock: 1_000_001 }] }],
    [
      'a 1,001-character description',
      { name: 'P', description: 'd'.repeat(1001), options: [{ name: 'o', price: 1, stock: 1 }] },
    ],
    ['a 101-character name', { name: 'n'.repeat(101), options: [{ name: 'o', price: 1, stock: 1 }] }],
  ])('rejects %s with 400', async (_, body) => {
    const r = await e.request('POST', '/admin/products', { token: e.adminToken, body });
    expect([r.status, r.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('names count code points: 100 emoji fit', async () => {
    const r = await e.request('POST', '/admin/products', {
      token: e.adminToken,
      body: { name: '🍎'.repeat(100), options: [{ name: 'o', price: 1, stock: 1 }] },
    });
    expect([r.status, r.body.name]).toEqual([201, '🍎'.repeat(100)]);
  });

  it('stock corrections move live and durable stock within bounds', async () => {
    const p = await product(e, [{ price: 100, stock: 5 }]);
    const opt = p.optionIds[0]!;
    const patch = (delta: number) =>
      e.request('PATCH', `/admin/options/${opt}/stock`, { token: e.adminToken, body: { delta } });
    expect((await patch(10)).body).toEqual({ id: opt, productId: p.id, name: 'opt-0', price: 100, stock: 15 });
    expect((await patch(-16)).body.error.code).toBe('OUT_OF_STOCK');
    expect((await patch(999_986)).body.error.code).toBe('STOCK_LIMIT_EXCEEDED');
    expect((await patch(0)).status).toBe(400);
    expect((await patch(-15)).body.stock).toBe(0);
    expect([await liveStockOf(e, opt), await durableStockOf(e, opt)]).toEqual([0, 0]);
    const missing = await e.request('PATCH', '/admin/options/999999/stock', {
      token: e.adminToken,
      body: { delta: 1 },
    });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'PRODUCT_NOT_FOUND']);
    expect(
      (await e.request('PATCH', `/admin/options/${opt}/stock`, { token: e.tokenFor(1), body: { delta: 1 } })).status,
    ).toBe(403);
  });
});
