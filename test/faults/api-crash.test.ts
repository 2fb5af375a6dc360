import { eq, sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { pointHistory } from '../../src/db/schema/index.ts';
import { concurrently } from '../harness.ts';
import { durableStockOf, liveStockOf, product } from '../fixtures.ts';
import { envOf, useFaultEngine } from './env.ts';
import { engineProcess, flood, until } from './processes.ts';

const ctx = useFaultEngine();

it('an API process killed with SIGKILL mid-rush (batches in flight): after the sweeper timeout, received = sold + live stock everywhere', async () => {
  const e = ctx.e;
  // Batches of two, one at a time: the rush keeps reservations open for a few hundred milliseconds, so the kill
  // lands while batches are in flight however fast the machine commits.
  const env = envOf(e, { RESERVATION_TIMEOUT_MS: '2000', PAYMENT_BATCH_MAX: '2', PAYMENT_BATCH_CONCURRENCY: '1' });
  const worker = await engineProcess('worker', env);
  const api = await engineProcess('api', env);
  ctx.procs.push(worker, api);
  const PRICE = 10;
  const p = await product(e, [{ price: PRICE, stock: 100 }]);
  const opt = p.optionIds[0]!;
  const buyers = await concurrently(300, () => e.user(PRICE));

  const rush = flood(300, 100, (i) =>
    fetch(`${api.url}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${buyers[i]!.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ optionId: opt, quantity: 1 }] }),
    }),
  );
  await until(
    () => e.deps.redis.zcard(e.deps.keys.reservations),
    (n) => n >= 5,
    10_000,
    'reservations in flight',
  );
  await api.kill('SIGKILL');
  const orphans = await e.deps.redis.zcard(e.deps.keys.reservations);
  await rush;
  expect(orphans).toBeGreaterThan(0);

  await until(
    () => e.deps.redis.zcard(e.deps.keys.reservations),
    (n) => n === 0,
    20_000,
    'the sweeper',
  );
  const [{ sold }] = (
    await e.deps.db.execute(
      sql`SELECT COALESCE(SUM(i.quantity), 0) AS sold FROM order_items i JOIN orders o ON o.id = i.order_id WHERE i.option_id = ${opt} AND o.status = 'PAID'`,
    )
  )[0] as unknown as [{ sold: string }];
  const n = Number(sold);
  expect(await liveStockOf(e, opt)).toBe(100 - n);
  expect(await durableStockOf(e, opt)).toBe(100 - n);
  const [{ used }] = (await e.deps.db
    .select({ used: sql<string>`COALESCE(SUM(${pointHistory.amount}), 0)` })
    .from(pointHistory)
    .where(eq(pointHistory.type, 'USE'))) as [{ used: string }];
  expect(Number(used)).toBe(n * PRICE);

  // No partial batch: every order has all its rows, and every reservation claimed for an order has its order.
  const [[partial]] = (await e.deps.db.execute(
    sql`SELECT
      (SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)) AS noItems,
      (SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM stock_ledger l WHERE l.order_id = o.id)) AS noLedger,
      (SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_events v WHERE v.order_id = o.id)) AS noEvent,
      (SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM point_history h WHERE h.order_id = o.id AND h.type = 'USE')) AS noPayment,
      (SELECT COUNT(*) FROM reservation_outcomes r WHERE r.outcome = 'ORDER' AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.reservation_id = r.reservation_id)) AS claimedWithoutOrder`,
  )) as unknown as [[Record<string, string>]];
  expect(Object.values(partial).map(Number)).toEqual([0, 0, 0, 0, 0]);
});
