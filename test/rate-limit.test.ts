import { afterAll, beforeAll, expect, it } from 'vitest';
import { manualClock } from '../src/lib/clock.ts';
import { createTestEngine, type TestEngine } from './harness.ts';
import { coupon } from './fixtures.ts';

let e: TestEngine;
// 400 ms into a second of the engine's clock: the window has 600 ms left.
const clock = manualClock(Date.UTC(2026, 10, 25, 5, 0, 0, 400));
beforeAll(async () => (e = await createTestEngine({ clock, env: { ISSUE_RATE_LIMIT: '3' } })));
afterAll(() => e.close());

it('the issue endpoint limits each user per second: 429 RATE_LIMITED with Retry-After', async () => {
  const c = await coupon(e, { totalQuantity: 100 });
  const answers = [];
  for (let i = 0; i < 5; i++) answers.push(await e.request('POST', `/coupons/${c}/issue`, { token: e.tokenFor(42) }));
  expect(answers.map((a) => a.status)).toEqual([201, 409, 409, 429, 429]);
  expect(answers[3]!.body.error.code).toBe('RATE_LIMITED');
  expect(answers[3]!.headers.get('retry-after')).toBe('1');
  // Another user is not slowed down by the first.
  expect((await e.request('POST', `/coupons/${c}/issue`, { token: e.tokenFor(43) })).status).toBe(201);
  // The next second of the engine's clock is a new window.
  clock.advance(600);
  expect((await e.request('POST', `/coupons/${c}/issue`, { token: e.tokenFor(42) })).status).toBe(409);
});
