import { eq, sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { userCoupons } from '../../src/db/schema/index.ts';
import { coupon } from '../fixtures.ts';
import { envOf, issueVia, useFaultEngine } from './env.ts';
import { engineProcess, flood, until } from './processes.ts';

const ctx = useFaultEngine();

const persisted = async (c: number) =>
  Number(
    (await ctx.e.deps.db.select({ n: sql<number>`count(*)` }).from(userCoupons).where(eq(userCoupons.couponId, c)))[0]!
      .n,
  );

it('a worker killed with SIGKILL mid-drain and restarted leaves MySQL holding exactly what Redis issued', async () => {
  const e = ctx.e;
  // Small batches, so the kill lands between a claim and its acknowledgement.
  const env = envOf(e, { COUPON_DRAIN_BATCH: '20' });
  const api = await engineProcess('api', env);
  let worker = await engineProcess('worker', env);
  ctx.procs.push(api, worker);
  const c = await coupon(e, { totalQuantity: 1500 });

  const rush = flood(2500, 50, (i) => issueVia(api.url, e.tokenFor(1_000_000 + i), c));
  await until(
    () => persisted(c),
    (n) => n >= 60,
    20_000,
    'the drain to start',
  );
  expect(await worker.kill('SIGKILL')).toBeNull(); // killed by the signal, not exited
  const atKill = await persisted(c);
  const statuses = await rush;
  expect(statuses.filter((s) => s === 201)).toHaveLength(1500);
  expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
  expect(atKill).toBeLessThan(1500);

  worker = await engineProcess('worker', env);
  ctx.procs.push(worker);
  await until(
    () => persisted(c),
    (n) => n === 1500,
    30_000,
    'every issuance in MySQL',
  );
  const issued = await e.deps.redis.hkeys(e.deps.keys.couponIssued(c));
  const rows = await e.deps.db
    .select({ userId: userCoupons.userId })
    .from(userCoupons)
    .where(eq(userCoupons.couponId, c));
  expect(issued).toHaveLength(1500);
  expect(rows.map((r) => String(r.userId)).sort()).toEqual([...issued].sort());
});
