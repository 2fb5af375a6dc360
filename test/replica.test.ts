import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../src/db/client.ts';
import { createTestEngine, testConfig, type TestEngine } from './harness.ts';
import { product } from './fixtures.ts';

let e: TestEngine;
beforeAll(async () => {
  // The "replica" is the primary itself here: replication is MySQL's job; this checks the engine's routing.
  const url = testConfig().DATABASE_URL;
  e = await createTestEngine({ env: { DATABASE_URL: url, DATABASE_REPLICA_URL: url } });
  expect(parseDatabaseUrl(e.config.DATABASE_REPLICA_URL!).database).toBe(
    parseDatabaseUrl(e.config.DATABASE_URL).database,
  );
});
afterAll(() => e.close());

it('list and lookup reads go to the replica; charges, orders and their checks stay on the primary', async () => {
  const counts = { primary: 0, replica: 0 };
  e.deps.pool.pool.on('acquire', () => counts.primary++);
  e.deps.replicaPool!.pool.on('acquire', () => counts.replica++);

  const p = await product(e, [{ price: 5, stock: 5 }]);
  const u = await e.user(100);
  counts.primary = counts.replica = 0;
  expect((await e.request('GET', `/products/${p.id}`)).status).toBe(200);
  expect((await e.request('GET', '/products')).status).toBe(200);
  expect((await e.request('GET', `/users/${u.id}/points/history`, { token: u.token })).body.items).toHaveLength(1);
  expect((await e.request('GET', `/users/${u.id}/orders`, { token: u.token })).status).toBe(200);
  expect(counts).toEqual({ primary: 0, replica: expect.any(Number) });
  expect(counts.replica).toBeGreaterThanOrEqual(5);

  counts.primary = counts.replica = 0;
  expect(
    (await e.request('POST', `/users/${u.id}/points/charge`, { token: u.token, body: { amount: 1 } })).status,
  ).toBe(200);
  expect(
    (
      await e.request('POST', '/orders', {
        token: u.token,
        body: { items: [{ optionId: p.optionIds[0], quantity: 1 }] },
      })
    ).status,
  ).toBe(201);
  expect(counts.replica).toBe(0);
  expect(counts.primary).toBeGreaterThan(0);
});
