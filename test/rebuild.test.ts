/**
 * While Redis is being refilled from MySQL, a coupon that exists answers 503 with Retry-After (not 404), /health
 * says so, and ids that never existed stay a cheap 404 that never asks MySQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { closeDeps, createDeps, type Deps } from '../src/deps.ts';
import { rebuildIfLost, rebuildRedis } from '../src/jobs/rebuild.ts';
import { coupon } from './fixtures.ts';
import { concurrently, createTestEngine, deleteKeys, testConfig, type TestEngine } from './harness.ts';

let e: TestEngine;
beforeAll(async () => (e = await createTestEngine()));
afterAll(() => e.close());

const issue = (id: number, userId: number) => e.request('POST', `/coupons/${id}/issue`, { token: e.tokenFor(userId) });

describe('a coupon being restored', () => {
  it('answers 503 with Retry-After; a higher id answers 404; /health is 503 until the rebuild is done', async () => {
    const restored = await coupon(e, { totalQuantity: 5 });
    const waiting = await coupon(e, { totalQuantity: 5 });
    const k = e.deps.keys;
    // The rebuild has started (its marker names the highest coupon id) and has not reached `waiting` yet.
    await deleteKeys(e.deps, [k.rebuildReady, k.couponMeta(waiting), k.couponStock(waiting)]);
    await e.deps.redis.set(k.rebuildRestoring, waiting, 'EX', 60);

    expect((await issue(restored, 1)).status).toBe(201);
    const r = await issue(waiting, 1);
    expect([r.status, r.body.error.code, r.headers.get('retry-after')]).toEqual([503, 'SERVICE_UNAVAILABLE', '1']);
    const unknown = await issue(waiting + 1, 1);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'COUPON_NOT_FOUND']);
    const h = await e.request('GET', '/health');
    expect([h.status, h.body]).toEqual([503, { status: 'rebuilding', redis: 'up', mysql: 'up', rebuilding: true }]);

    expect(await rebuildRedis(e.deps)).toMatchObject({ coupons: 1 });
    expect((await issue(waiting, 1)).status).toBe(201);
    expect((await issue(waiting + 1, 1)).status).toBe(404);
    const after = await e.request('GET', '/health');
    expect([after.status, after.body]).toEqual([200, { status: 'ok', redis: 'up', mysql: 'up', rebuilding: false }]);
  });

  it('a Redis that lost its state with no rebuild running yet answers 503; the maintenance job rebuilds it', async () => {
    const c = await coupon(e, { totalQuantity: 3 });
    const k = e.deps.keys;
    await deleteKeys(e.deps, [k.rebuildReady, k.couponMeta(c), k.couponStock(c), k.couponIssued(c)]);
    expect((await issue(c, 2)).status).toBe(503);
    expect(await rebuildIfLost(e.deps)).toMatchObject({ coupons: 1 });
    expect(await rebuildIfLost(e.deps)).toBeNull();
    expect((await issue(c, 2)).status).toBe(201);
  });
});

describe('truly unknown ids stay cheap', () => {
  let deps: Deps;
  beforeAll(async () => {
    // MySQL where nothing listens: any query would fail the request with 503.
    deps = await createDeps(testConfig({ DATABASE_URL: 'mysql://root@127.0.0.1:1/none' }));
    await deps.redis.set(deps.keys.rebuildReady, '1');
  });
  afterAll(async () => {
    await deps.redis.del(deps.keys.rebuildReady);
    await closeDeps(deps);
  });

  it('a flood of bogus coupon ids answers 404 from Redis alone', async () => {
    const app = createApp(deps);
    const statuses = await concurrently(200, async (i) => {
      const res = await app.request(`/coupons/${10_000 + i}/issue`, {
        method: 'POST',
        headers: { authorization: `Bearer ${e.tokenFor(i + 1)}` },
      });
      return res.status;
    });
    expect(statuses.filter((s) => s === 404)).toHaveLength(200);
  });
});
