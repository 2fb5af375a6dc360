import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEngine, type TestEngine } from './harness.ts';

let e: TestEngine;
beforeAll(async () => (e = await createTestEngine()));
afterAll(() => e.close());

describe('a cursor belongs to its list', () => {
  it("a history cursor pages its own list, and is 400 on the orders list or another user's history", async () => {
    const u = await e.user();
    const other = await e.user();
    for (const amount of [1, 2, 3])
      await e.request('POST', `/users/${u.id}/points/charge`, { token: u.token, body: { amount } });
    await e.request('POST', `/users/${other.id}/points/charge`, { token: other.token, body: { amount: 9 } });

    const first = await e.request('GET', `/users/${u.id}/points/history?limit=1`, { token: u.token });
    const cursor = first.body.nextCursor as string;
    expect(first.body.items.map((i: { amount: number }) => i.amount)).toEqual([3]);
    const next = await e.request('GET', `/users/${u.id}/points/history?limit=5&cursor=${cursor}`, { token: u.token });
    expect([next.status, next.body.items.map((i: { amount: number }) => i.amount), next.body.nextCursor]).toEqual([
      200,
      [2, 1],
      null,
    ]);

    const onOrders = await e.request('GET', `/users/${u.id}/orders?cursor=${cursor}`, { token: u.token });
    expect([onOrders.status, onOrders.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const onOther = await e.request('GET', `/users/${other.id}/points/history?cursor=${cursor}`, {
      token: e.adminToken,
    });
    expect([onOther.status, onOther.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const onProducts = await e.request('GET', `/products?cursor=${cursor}`);
    expect([onProducts.status, onProducts.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});
