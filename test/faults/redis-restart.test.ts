import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { userCoupons } from '../../src/db/schema/index.ts';
import { createTestEngine, type TestEngine } from '../harness.ts';
import { coupon } from '../fixtures.ts';
import { envOf, health, issueVia } from './env.ts';
import { engineProcess, flood, privateRedis, sleep, until, type EngineProcess, type Server } from './processes.ts';

let redis: Server;
let e: TestEngine;
const procs: EngineProcess[] = [];
beforeAll(async () => {
  redis = await privateRedis({ aof: true });
  e = await createTestEngine({ env: { REDIS_URL: `redis://127.0.0.1:${redis.port}` } });
});
afterAll(async () => {
  for (const p of procs) await p.kill('SIGKILL');
  await e.close().catch(() => undefined);
  await redis.stop();
  redis.remove();
});

it('Redis crashes and restarts with AOF: nothing issued is lost; emptied: rebuilt from MySQL at start-up', async () => {
  const env = envOf(e);
  const api = await engineProcess('api', env);
  let worker = await engineProcess('worker', env);
  procs.push(api, worker);
  const c = await coupon(e, { totalQuantity: 500 });
  const k = e.deps.keys;
  const statuses = await flood(300, 30, (i) => issueVia(api.url, e.tokenFor(50_000 + i), c));
  expect(statuses.filter((s) => s === 201)).toHaveLength(300);
  const issued = await e.deps.redis.hgetall(k.couponIssued(c));
  const stock = await e.deps.redis.get(k.couponStock(c));
  expect([Object.keys(issued).length, stock]).toEqual([300, '200']);

  await sleep(1_500); // past the AOF everysec fsync: this is the window the README states
  await redis.stop('SIGKILL');
  await until(
    () => health(api.url),
    (h) => h.httpStatus === 503 && h.redis === 'down',
    10_000,
    '/health to say redis down',
  );
  await redis.start();
  await until(
    () => health(api.url),
    (h) => h.httpStatus === 200,
    20_000,
    '/health to recover by itself',
  );
  await until(
    () => e.deps.redis.ping(),
    (p) => p === 'PONG',
    10_000,
    'the test client to reconnect',
  );
  expect(await e.deps.redis.hgetall(k.couponIssued(c))).toEqual(issued);
  expect(await e.deps.redis.get(k.couponStock(c))).toBe('200');
  expect((await issueVia(api.url, e.tokenFor(99_999), c)).status).toBe(201);

  // Emptied (a Redis without persistence restarting): the worker's start-up rebuilds from the record.
  await until(
    () => e.deps.db.select().from(userCoupons).where(eq(userCoupons.couponId, c)),
    (rows) => rows.length === 301,
    20_000,
    'the drain',
  );
  await worker.kill('SIGKILL');
  const raw = new Redis(redis.port);
  await raw.flushall();
  raw.disconnect();
  // A coupon that exists while Redis's state is lost: 503 (retry), never 404; /health says rebuilding.
  expect((await issueVia(api.url, e.tokenFor(77_777), c)).status).toBe(503);
  expect(await health(api.url)).toMatchObject({ httpStatus: 503, redis: 'up', rebuilding: true });
  worker = await engineProcess('worker', env);
  procs.push(worker);
  await until(
    () => e.deps.redis.get(k.couponStock(c)),
    (s) => s === '199',
    20_000,
    'the rebuild',
  );
  await until(
    () => health(api.url),
    (h) => h.httpStatus === 200,
    10_000,
    '/health after the rebuild',
  );
  expect(Object.keys(await e.deps.redis.hgetall(k.couponIssued(c))).sort()).toEqual(
    [...Object.keys(issued), '99999'].sort(),
  );
  expect((await issueVia(api.url, e.tokenFor(50_000), c)).status).toBe(409);
}, 120_000);
