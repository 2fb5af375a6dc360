import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEngine, type TestEngine } from '../harness.ts';
import { envOf } from './env.ts';
import { engineProcess, sleep } from './processes.ts';

let e: TestEngine;
beforeAll(async () => (e = await createTestEngine()));
afterAll(() => e.close());

it('SIGTERM lets in-flight requests finish, closes everything and exits 0', async () => {
  const api = await engineProcess('all', envOf(e, { MYSQL_POOL_SIZE: '2', LOG_LEVEL: 'info' }));
  const u = await e.user();
  // Two pool connections for 60 charges: most of them are still waiting when SIGTERM arrives.
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
  await sleep(30);
  const exit = api.kill('SIGTERM');
  const statuses = await Promise.all(inFlight);
  expect(await exit).toBe(0);
  const ok = statuses.filter((s) => s === 200).length;
  expect(statuses.filter((s) => s !== 200 && s !== 0)).toEqual([]);
  expect(ok).toBeGreaterThan(0);
  const balance = await e.request('GET', `/users/${u.id}/points`, { token: u.token });
  expect(balance.body.balance).toBe(ok * 10);
  expect(api.output()).toContain('stopped');
});
