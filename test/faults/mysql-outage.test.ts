import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { userCoupons } from '../../src/db/schema/index.ts';
import { createTestEngine, type TestEngine } from '../harness.ts';
import { coupon } from '../fixtures.ts';
import { envOf, health, issueVia } from './env.ts';
import { engineProcess, flood, privateMysql, sleep, until, type EngineProcess, type Server } from './processes.ts';

let mysql: Server;
let e: TestEngine;
const procs: EngineProcess[] = [];
beforeAll(async () => {
  mysql = await privateMysql();
  e = await createTestEngine({ env: { DATABASE_URL: `mysql://root@127.0.0.1:${mysql.port}/outage` } });
});
afterAll(async () => {
  for (const p of procs) await p.kill('SIGKILL');
  await mysql.start().catch(() => undefined);
  await e.close();
  await mysql.stop();
  mysql.remove();
});

const persisted = async (c: number) =>
  Number(
    (await e.deps.db.select({ n: sql<number>`count(*)` }).from(userCoupons).where(eq(userCoupons.couponId, c)))[0]!.n,
  );

it('MySQL down for 20 s mid-rush: issuing keeps answering, the outbox waits and drains when MySQL is back', async () => {
  const env = envOf(e);
  const api = await engineProcess('api', env);
  const worker = await engineProcess('worker', env);
  procs.push(api, worker);
  const c = await coupon(e, { totalQuantity: 2000 });

  const before = await flood(500, 50, (i) => issueVia(api.url, e.tokenFor(10_000 + i), c));
  expect(before.filter((s) => s === 201)).toHaveLength(500);

  const downAt = Date.now();
  await mysql.stop('SIGKILL');
  await until(
    () => health(api.url),
    (h) => h.httpStatus === 503 && h.mysql === 'down',
    10_000,
    '/health to say mysql down',
  );
  const during = await flood(1000, 50, (i) => issueVia(api.url, e.tokenFor(20_000 + i), c));
  expect(during.filter((s) => s === 201)).toHaveLength(1000);
  const waiting =
    (await e.deps.redis.llen(e.deps.keys.couponOutbox(c))) + (await e.deps.redis.llen(e.deps.keys.couponInflight(c)));
  expect(waiting).toBeGreaterThanOrEqual(1000);

  await sleep(Math.max(0, 20_000 - (Date.now() - downAt)));
  await mysql.start();
  await until(
    () => health(api.url),
    (h) => h.httpStatus === 200,
    30_000,
    '/health to recover by itself',
  );
  await until(
    () => persisted(c),
    (n) => n === 1500,
    30_000,
    'the outbox to drain',
  );
  expect(await e.deps.redis.hlen(e.deps.keys.couponIssued(c))).toBe(1500);
  expect(await e.deps.redis.llen(e.deps.keys.couponOutbox(c))).toBe(0);
}, 120_000);
