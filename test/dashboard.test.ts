import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEngine, type TestEngine } from './harness.ts';

let e: TestEngine;
beforeAll(async () => (e = await createTestEngine({ env: { ADMIN_USER: 'ops', ADMIN_PASSWORD: 'correct horse' } })));
afterAll(() => e.close());

const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

it('the BullMQ dashboard asks for credentials, refuses users and serves admins', async () => {
  const none = await e.request('GET', '/admin/queues');
  expect([none.status, none.headers.get('www-authenticate')]).toEqual([401, expect.stringContaining('Basic')]);
  expect((await e.request('GET', '/admin/queues', { headers: basic('ops', 'wrong') })).status).toBe(401);
  expect((await e.request('GET', '/admin/queues', { token: e.tokenFor(1) })).status).toBe(403);
  const page = await e.request('GET', '/admin/queues', { headers: basic('ops', 'correct horse') });
  expect([page.status, String(page.body)]).toEqual([200, expect.stringContaining('<html')]);
  const api = await e.request('GET', '/admin/queues/api/queues', { token: e.adminToken });
  expect(api.status).toBe(200);
  expect(api.body.queues.map((q: { name: string }) => q.name).sort()).toEqual([
    'coupon-drain',
    'maintenance',
    'order-delivery',
  ]);
});
