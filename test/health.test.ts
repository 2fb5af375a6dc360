import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { closeDeps, createDeps, type Deps } from '../src/deps.ts';
import { testConfig } from './harness.ts';

let deps: Deps;
beforeAll(async () => {
  // MySQL on a port where nothing listens; Redis real, closed by hand below.
  deps = await createDeps(testConfig({ DATABASE_URL: 'mysql://root@127.0.0.1:1/none' }));
});
afterAll(() => closeDeps(deps));

it('/health is 503 naming the part that is down', async () => {
  const app = createApp(deps);
  let r = await app.request('/health');
  expect([r.status, await r.json()]).toEqual([
    503,
    { status: 'degraded', redis: 'up', mysql: 'down', rebuilding: true },
  ]);
  deps.redis.disconnect();
  r = await app.request('/health');
  expect([r.status, await r.json()]).toEqual([
    503,
    { status: 'degraded', redis: 'down', mysql: 'down', rebuilding: false },
  ]);
});
