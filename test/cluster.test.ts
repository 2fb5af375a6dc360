import { Cluster } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEngine, type TestEngine } from './harness.ts';
import { coupon } from './fixtures.ts';

const clustered = Boolean(process.env.REDIS_CLUSTER_NODES);
let e: TestEngine;
beforeAll(async () => {
  if (clustered) e = await createTestEngine();
});
afterAll(() => e?.close());

it.skipIf(!clustered)(
  'in cluster mode, coupons spread over the masters while each script stays on one slot',
  async () => {
    expect(e.deps.redis).toBeInstanceOf(Cluster);
    const cluster = e.deps.redis as Cluster;
    expect(cluster.nodes('master')).toHaveLength(3);
    const ids = await Promise.all(Array.from({ length: 12 }, () => coupon(e, { totalQuantity: 3 })));
    for (const id of ids) {
      const slot = Number(await cluster.cluster('KEYSLOT', e.deps.keys.couponStock(id)));
      for (const key of [
        e.deps.keys.couponMeta(id),
        e.deps.keys.couponIssued(id),
        e.deps.keys.couponOutbox(id),
        e.deps.keys.issueRate(id, 1, Date.now()),
      ]) {
        expect(Number(await cluster.cluster('KEYSLOT', key))).toBe(slot);
      }
      expect((await e.request('POST', `/coupons/${id}/issue`, { token: e.tokenFor(5) })).status).toBe(201);
    }
    const perNode = await Promise.all(cluster.nodes('master').map((n) => n.dbsize()));
    expect(perNode.filter((n) => n > 0).length).toBe(3);
  },
);
