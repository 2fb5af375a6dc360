import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainCoupon } from '../src/coupons/coupons.drain.ts';
import { restoreMissingCoupons } from '../src/coupons/coupons.state.ts';
import { rebuildRedis } from '../src/jobs/rebuild.ts';
import { userCoupons } from '../src/db/schema/index.ts';
import { concurrently, createTestEngine, deleteKeys, scanKeys, until, type TestEngine } from './harness.ts';

let e: TestEngine;
beforeAll(async () => (e = await createTestEngine({ workers: true })));
afterAll(() => e.close());

const DAY = 86_400_000;
const newCoupon = async (over: Record<string, unknown> = {}) => {
  const r = await e.request('POST', '/admin/coupons', {
    token: e.adminToken,
    body: { name: 'Flash 10%', discountType: 'PERCENT', discountValue: 10, totalQuantity: 300, validDays: 7, ...over },
  });
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return r.body as { id: number };
};
const status = async (id: number) => (await e.request('GET', `/admin/coupons/${id}`, { token: e.adminToken })).body;
const issue = (id: number, userId: number) => e.request('POST', `/coupons/${id}/issue`, { token: e.tokenFor(userId) });
const issuedHash = (id: number) => e.deps.redis.hgetall(e.deps.keys.couponIssued(id));

describe('admin coupons', () => {
  it('creates a coupon and shows its live and persisted counts', async () => {
    const r = await e.request('POST', '/admin/coupons', {
      token: e.adminToken,
      body: {
        name: 'Welcome',
        discountType: 'FIXED',
        discountValue: 500,
        totalQuantity: 3,
        validDays: 30,
        issueStartsAt: '2026-01-01T09:00:00+09:00',
        issueEndsAt: null,
      },
    });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: expect.any(Number),
      name: 'Welcome',
      discountType: 'FIXED',
      discountValue: 500,
      totalQuantity: 3,
      issueStartsAt: '2026-01-01T00:00:00.000Z',
      issueEndsAt: null,
      validDays: 30,
      createdAt: expect.stringMatching(/Z$/),
    });
    expect(await status(r.body.id)).toEqual({ ...r.body, issuedCount: 0, remaining: 3, persistedCount: 0 });
  });

  it.each([
    ['a PERCENT over 100', { discountValue: 101 }],
    ['zero copies', { totalQuantity: 0 }],
    ['too many copies', { totalQuantity: 10_000_001 }],
    ['validDays 0', { validDays: 0 }],
    [
      'a window that ends before it starts',
      { issueStartsAt: '2026-02-01T00:00:00Z', issueEndsAt: '2026-01-01T00:00:00Z' },
    ],
    ['a date that is not ISO', { issueStartsAt: 'tomorrow' }],
    ['an unknown discount type', { discountType: 'BOGO' }],
    ['an empty name', { name: '' }],
  ])('rejects %s with 400', async (_, over) => {
    const r = await e.request('POST', '/admin/coupons', {
      token: e.adminToken,
      body: { name: 'x', discountType: 'PERCENT', discountValue: 10, totalQuantity: 5, validDays: 1, ...over },
    });
    expect([r.status, r.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('404 for an unknown coupon, 403 for a user token', async () => {
    expect((await e.request('GET', '/admin/coupons/999999', { token: e.adminToken })).body.error.code).toBe(
      'COUPON_NOT_FOUND',
    );
    expect((await e.request('GET', '/admin/coupons/1', { token: e.tokenFor(1) })).status).toBe(403);
  });
});

describe('issuing', () => {
  it('201 with the copy, usable and listed within a second', async () => {
    const c = await newCoupon({ totalQuantity: 5, validDays: 2 });
    const u = await e.user();
    const before = Date.now();
    const r = await e.request('POST', `/coupons/${c.id}/issue`, { token: u.token });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      couponId: c.id,
      userId: u.id,
      status: 'AVAILABLE',
      issuedAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    expect(Date.parse(r.body.expiresAt) - Date.parse(r.body.issuedAt)).toBe(2 * DAY);
    const list = await until(
      () => e.request('GET', `/users/${u.id}/coupons`, { token: u.token }),
      (l) => l.body.items.length === 1,
      1_000,
      'the copy in the list',
    );
    expect(Date.now() - before).toBeLessThan(1_500);
    expect(list.body).toEqual({
      items: [
        {
          couponId: c.id,
          name: 'Flash 10%',
          discountType: 'PERCENT',
          discountValue: 10,
          status: 'AVAILABLE',
          issuedAt: r.body.issuedAt,
          expiresAt: r.body.expiresAt,
          usedAt: null,
        },
      ],
      nextCursor: null,
    });
  });

  it('401 without a token, 403 for an admin, 404 unknown, 400 bad id', async () => {
    const c = await newCoupon();
    expect((await e.request('POST', `/coupons/${c.id}/issue`)).status).toBe(401);
    expect((await e.request('POST', `/coupons/${c.id}/issue`, { token: e.adminToken })).status).toBe(403);
    const unknown = await issue(999_999, 1);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'COUPON_NOT_FOUND']);
    expect((await issue(0, 1)).status).toBe(400);
    expect((await status(c.id)).remaining).toBe(300);
  });

  it('409 COUPON_NOT_ISSUABLE before the window opens and after it closes', async () => {
    const now = Date.now();
    const early = await newCoupon({ issueStartsAt: new Date(now + DAY).toISOString() });
    const late = await newCoupon({
      issueStartsAt: new Date(now - 2 * DAY).toISOString(),
      issueEndsAt: new Date(now - DAY).toISOString(),
    });
    for (const c of [early, late]) {
      const r = await issue(c.id, 42);
      expect([r.status, r.body.error.code]).toEqual([409, 'COUPON_NOT_ISSUABLE']);
      expect((await status(c.id)).remaining).toBe(300);
    }
  });

  it('2,000 concurrent requests from 1,000 users for 300 copies → exactly 300 issued, to 300 users, all persisted', async () => {
    const c = await newCoupon({ totalQuantity: 300 });
    const users = Array.from({ length: 1000 }, (_, i) => 500_000 + i);
    const res = await concurrently(2000, (i) => issue(c.id, users[i % 1000]!));
    const won = res.filter((r) => r.status === 201);
    expect(won).toHaveLength(300);
    expect(new Set(won.map((r) => r.body.userId)).size).toBe(300);
    const codes = new Set(res.filter((r) => r.status !== 201).map((r) => `${r.status} ${r.body.error.code}`));
    expect([...codes].sort()).toEqual(['409 COUPON_ALREADY_ISSUED', '409 COUPON_SOLD_OUT']);
    expect(Object.keys(await issuedHash(c.id)).sort()).toEqual(won.map((r) => String(r.body.userId)).sort());

    const s = await until(
      () => status(c.id),
      (v) => v.persistedCount === 300,
      10_000,
      'all 300 persisted',
    );
    expect(s).toMatchObject({ issuedCount: 300, remaining: 0, persistedCount: 300 });
    const rows = await e.deps.db.select().from(userCoupons).where(eq(userCoupons.couponId, c.id));
    expect(rows.map((r) => r.userId).sort()).toEqual(won.map((r) => r.body.userId).sort());
  });
});

describe('persistence survives crashes and lost Redis state', () => {
  /** Runs `steps` with the engine's workers stopped, and starts them again whatever happens. */
  async function withoutWorkers(steps: () => Promise<void>, abruptly = false): Promise<void> {
    await e.stopWorkers(abruptly);
    try {
      await steps();
    } finally {
      await e.startWorkers();
    }
  }

  it('a drainer that dies between insert and acknowledge is replayed without duplicates', () =>
    withoutWorkers(async () => {
      const c = await newCoupon({ totalQuantity: 300 });
      await concurrently(300, (i) => issue(c.id, 600_000 + i));
      await expect(
        drainCoupon(e.deps, c.id, { batchSize: 120, afterInsert: () => Promise.reject(new Error('killed mid-batch')) }),
      ).rejects.toThrow('killed mid-batch');
      expect((await status(c.id)).persistedCount).toBe(120);
      expect(await drainCoupon(e.deps, c.id, { batchSize: 120 })).toBe(300);
      expect(await status(c.id)).toMatchObject({ issuedCount: 300, remaining: 0, persistedCount: 300 });
    }));

  it('a real worker closed abruptly mid-rush and restarted still persists exactly what was issued', async () => {
    const c = await newCoupon({ totalQuantity: 300 });
    const first = await concurrently(150, (i) => issue(c.id, 700_000 + i));
    // The worker is draining this coupon: copies are reaching MySQL while the second wave is still being issued.
    await until(
      () => status(c.id),
      (v) => v.persistedCount > 0,
      10_000,
      'the drain under way',
    );
    const second = concurrently(250, (i) => issue(c.id, 700_150 + i));
    await withoutWorkers(async () => {
      const won = [...first, ...(await second)].filter((r) => r.status === 201).length;
      expect(won).toBe(300);
    }, true);
    const s = await until(
      () => status(c.id),
      (v) => v.persistedCount === 300,
      15_000,
      'all 300 persisted',
    );
    expect(s).toMatchObject({ issuedCount: 300, remaining: 0, persistedCount: 300 });
  });

  it('rebuild after the keys are flushed restores the same stock and issued set', async () => {
    const c = await newCoupon({ totalQuantity: 50 });
    await concurrently(20, (i) => issue(c.id, 800_000 + i));
    await until(
      () => status(c.id),
      (v) => v.persistedCount === 20,
      10_000,
      'all 20 persisted',
    );
    const before = await issuedHash(c.id);
    await withoutWorkers(async () => {
      const keys = await scanKeys(e.deps, `${e.config.REDIS_PREFIX}*`);
      await deleteKeys(e.deps, keys);
      const lost = await issue(c.id, 1);
      expect([lost.status, lost.body.error.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
      expect((await rebuildRedis(e.deps)).coupons).toBeGreaterThanOrEqual(1);
      expect(await issuedHash(c.id)).toEqual(before);
      expect(await e.deps.redis.get(e.deps.keys.couponStock(c.id))).toBe('30');
      expect((await issue(c.id, 800_000)).body.error.code).toBe('COUPON_ALREADY_ISSUED');
    });
  });

  it('rebuild while issuances still wait in the outbox counts each of them once', async () => {
    const c = await newCoupon({ totalQuantity: 40 });
    await withoutWorkers(async () => {
      await concurrently(25, (i) => issue(c.id, 900_000 + i));
      await drainCoupon(e.deps, c.id, { batchSize: 10, afterInsert: () => Promise.reject(new Error('stop')) }).catch(
        () => undefined,
      );
      await restoreMissingCoupons(e.deps, true);
      expect(await status(c.id)).toMatchObject({ issuedCount: 25, remaining: 15, persistedCount: 10 });
    });
    expect(
      (
        await until(
          () => status(c.id),
          (v) => v.persistedCount === 25,
          10_000,
          'all 25 persisted',
        )
      ).persistedCount,
    ).toBe(25);
  });
});
