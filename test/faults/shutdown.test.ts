import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEngine, type TestEngine } from '../harness.ts';
import { envOf } from './env.ts';
import { engineProcess, until } from './processes.ts';

let e: TestEngine;
beforeAll(async () => (e = await createTestEngine()));
afterAll(() => e.close());

it('SIGTERM lets in-flight requests finish, closes everything and exits 0', async () => {
  // Charges commit one at a time (batches of one, one in flight): most of the 60 are still waiting when SIGTERM
  // arrives right after the first has committed.
  const api = await engineProcess(
    'all',
    envOf(e, {
      PAYMENT_BATCH_MAX: '1',
      PAYMENT_BATCH_CONCURRENCY: '1',
      PAYMENT_BATCH_WINDOW_MS: '0',
      LOG_LEVEL: 'info',
    }),
  );
  const u = await e.user();
  const inFlight = Array.from({ length: 60 }, () =>
    fetch(`${api.url}/users/${u.id}/points/charge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 10 }),
    }).then(
      (r) => r.status,
      () => 0,
    ),
  );
  await until(
    async () => (await e.request('GET', `/users/${u.id}/points`, { token: u.token })).body.balance as number,
    (b) => b >= 10,
    10_000,
    'the first charge committed',
  );
  const exit = api.kill('SIGTERM');
  const statuses = await Promise.all(inFlight);
  expect(await exit).toBe(0);
  const ok = statuses.filter((s) => s === 200).length;
  expect(statuses.filter((s) => s !== 200 && s !== 0)).toEqual([]);
  expect(ok).toBeGreaterThan(1);
  const balance = await e.request('GET', `/users/${u.id}/points`, { token: u.token });
  expect(balance.body.balance).toBe(ok * 10);
  expect(api.output()).toContain('stopped');
});
