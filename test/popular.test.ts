import { afterAll, beforeAll, expect, it } from 'vitest';
import { manualClock } from '../src/lib/clock.ts';
import { createTestEngine, deleteKeys, scanKeys, type TestEngine } from './harness.ts';
import { product } from './fixtures.ts';

const H = 3_600_000;
const T = Date.parse('2026-11-25T10:30:00.000Z');
const clock = manualClock(T);
let e: TestEngine;
let buyer: { id: number; token: string };
beforeAll(async () => {
  e = await createTestEngine({ clock });
  buyer = await e.user(1_000_000);
});
afterAll(() => e.close());

async function sell(productOption: number, quantity: number, at: number) {
  clock.set(at);
  const r = await e.request('POST', '/orders', {
    token: buyer.token,
    body: { items: [{ optionId: productOption, quantity }] },
  });
  clock.set(T);
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return r.body.orderId as number;
}
const popular = async () => (await e.request('GET', '/products/popular')).body;
const refresh = async () => (await e.request('POST', '/admin/popular/refresh', { token: e.adminToken })).body;
const ranks = (s: { items: { rank: number; productId: number; salesCount: number }[] }) =>
  s.items.map((i) => [i.rank, i.productId, i.salesCount]);

it('an empty shop answers an empty list, computed on first read', async () => {
  expect(await popular()).toEqual({
    items: [],
    window: { from: '2026-11-22T11:00:00.000Z', to: '2026-11-25T10:30:00.000Z' },
    computedAt: '2026-11-25T10:30:00.000Z',
  });
});

const p: Record<string, { id: number; opt: number }> = {};
let cancellable = 0;

it('only the last 72 whole hours count; ties rank the lower product id first', async () => {
  for (const name of ['old', 'edge', 'justOut', 'a', 'b', 'c', 'd']) {
    const made = await product(e, [{ price: 1, stock: 1000 }], name);
    p[name] = { id: made.id, opt: made.optionIds[0]! };
  }
  await sell(p.old!.opt, 50, T - 90 * H);
  await sell(p.justOut!.opt, 40, Date.parse('2026-11-22T10:59:59.999Z'));
  await sell(p.edge!.opt, 3, Date.parse('2026-11-22T11:00:00.000Z'));
  await sell(p.a!.opt, 3, T - 30 * H);
  cancellable = await sell(p.a!.opt, 2, T - 2 * H);
  await sell(p.b!.opt, 5, T);
  await sell(p.c!.opt, 2, T - 5 * H);
  await sell(p.d!.opt, 1, T - 1 * H);

  const snap = await refresh();
  expect(ranks(snap)).toEqual([
    [1, p.a!.id, 5],
    [2, p.b!.id, 5],
    [3, p.edge!.id, 3],
    [4, p.c!.id, 2],
    [5, p.d!.id, 1],
  ]);
  expect(snap.items[0].name).toBe('a');
  expect(snap.window).toEqual({ from: '2026-11-22T11:00:00.000Z', to: '2026-11-25T10:30:00.000Z' });
  expect(await popular()).toEqual(snap);
});

it('a cancellation takes its units back from the hour they were counted in', async () => {
  const r = await e.request('POST', `/orders/${cancellable}/cancel`, { token: buyer.token });
  expect(r.status).toBe(200);
  expect(ranks(await refresh())).toEqual([
    [1, p.b!.id, 5],
    [2, p.edge!.id, 3],
    [3, p.a!.id, 3],
    [4, p.c!.id, 2],
    [5, p.d!.id, 1],
  ]);
});

it('the snapshot survives a Redis flush through the statistics table', async () => {
  const before = await refresh();
  const keys = await scanKeys(e.deps, `${e.config.REDIS_PREFIX}*`);
  await deleteKeys(e.deps, keys);
  // Within its second the process answers from its own cache, without Redis.
  expect(await popular()).toEqual(before);
  expect(await e.deps.redis.get(e.deps.keys.popularSnapshot)).toBeNull();
  clock.advance(1_001); // past the in-process cache: Redis is empty, the statistics table refills it
  try {
    expect(await popular()).toEqual(before);
    expect(await e.deps.redis.get(e.deps.keys.popularSnapshot)).toBe(JSON.stringify(before));
  } finally {
    clock.set(T);
  }
});

it('refresh is admin only', async () => {
  expect((await e.request('POST', '/admin/popular/refresh', { token: buyer.token })).status).toBe(403);
  expect((await e.request('POST', '/admin/popular/refresh')).status).toBe(401);
});
