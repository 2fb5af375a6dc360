/**
 * Every user-scoped and admin route × every kind of caller → exactly the contract's 401 / 403 / 2xx.
 * A fresh resource per row where a success would use one up (orders to cancel, coupons to claim).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwt } from '../src/lib/jwt.ts';
import { createTestEngine, type TestEngine } from './harness.ts';
import { coupon, product } from './fixtures.ts';

let e: TestEngine;
let owner: { id: number; token: string };
let other: { id: number; token: string };
let optionId: number;
beforeAll(async () => {
  e = await createTestEngine();
  owner = await e.user(1_000_000);
  other = await e.user(1_000_000);
  optionId = (await product(e, [{ price: 10, stock: 10_000 }])).optionIds[0]!;
});
afterAll(() => e.close());

type Caller = 'none' | 'forged' | 'expired' | 'algNone' | 'other' | 'owner' | 'admin';
const CALLERS: Caller[] = ['none', 'forged', 'expired', 'algNone', 'other', 'owner', 'admin'];
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
function tokenOf(caller: Caller): string | null {
  const exp = Math.floor(Date.now() / 1000) + 600;
  switch (caller) {
    case 'none':
      return null;
    case 'forged':
      return createJwt('not-the-server-secret-123456').sign({ sub: String(owner.id), exp });
    case 'expired':
      return e.jwt.sign({ sub: String(owner.id), exp: Math.floor(Date.now() / 1000) - 5 });
    case 'algNone':
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: String(owner.id), role: 'admin', exp })}.`;
    case 'other':
      return other.token;
    case 'owner':
      return owner.token;
    case 'admin':
      return e.adminToken;
  }
}

type Row = {
  route: string;
  request: () => Promise<{ method: string; path: string; body?: unknown }>;
  expect: Record<'other' | 'owner' | 'admin', number>;
};
const placeOrder = async () => {
  const r = await e.request('POST', '/orders', { token: owner.token, body: { items: [{ optionId, quantity: 1 }] } });
  return r.body.orderId as number;
};
const SELF = { other: 403, owner: 200, admin: 200 };
const ADMIN = (ok: number) => ({ other: 403, owner: 403, admin: ok });

const ROWS: Row[] = [
  {
    route: 'GET /users/:id/points',
    request: async () => ({ method: 'GET', path: `/users/${owner.id}/points` }),
    expect: SELF,
  },
  {
    route: 'POST /users/:id/points/charge',
    request: async () => ({ method: 'POST', path: `/users/${owner.id}/points/charge`, body: { amount: 1 } }),
    expect: SELF,
  },
  {
    route: 'GET /users/:id/points/history',
    request: async () => ({ method: 'GET', path: `/users/${owner.id}/points/history` }),
    expect: SELF,
  },
  {
    route: 'GET /users/:id/coupons',
    request: async () => ({ method: 'GET', path: `/users/${owner.id}/coupons` }),
    expect: SELF,
  },
  {
    route: 'GET /users/:id/orders',
    request: async () => ({ method: 'GET', path: `/users/${owner.id}/orders` }),
    expect: SELF,
  },
  {
    route: 'GET /orders/:id',
    request: async () => ({ method: 'GET', path: `/orders/${await placeOrder()}` }),
    expect: SELF,
  },
  {
    route: 'POST /orders/:id/cancel',
    request: async () => ({ method: 'POST', path: `/orders/${await placeOrder()}/cancel` }),
    expect: SELF,
  },
  {
    route: 'POST /orders',
    request: async () => ({ method: 'POST', path: '/orders', body: { items: [{ optionId, quantity: 1 }] } }),
    expect: { other: 201, owner: 201, admin: 403 },
  },
  {
    route: 'POST /coupons/:id/issue',
    request: async () => ({ method: 'POST', path: `/coupons/${await coupon(e)}/issue` }),
    expect: { other: 201, owner: 201, admin: 403 },
  },
  {
    route: 'POST /admin/users',
    request: async () => ({ method: 'POST', path: '/admin/users', body: { name: 'n' } }),
    expect: ADMIN(201),
  },
  {
    route: 'POST /admin/products',
    request: async () => ({
      method: 'POST',
      path: '/admin/products',
      body: { name: 'p', options: [{ name: 'o', price: 1, stock: 1 }] },
    }),
    expect: ADMIN(201),
  },
  {
    route: 'PATCH /admin/options/:id/stock',
    request: async () => ({ method: 'PATCH', path: `/admin/options/${optionId}/stock`, body: { delta: 1 } }),
    expect: ADMIN(200),
  },
  {
    route: 'POST /admin/coupons',
    request: async () => ({
      method: 'POST',
      path: '/admin/coupons',
      body: { name: 'c', discountType: 'FIXED', discountValue: 1, totalQuantity: 1, validDays: 1 },
    }),
    expect: ADMIN(201),
  },
  {
    route: 'GET /admin/coupons/:id',
    request: async () => ({ method: 'GET', path: `/admin/coupons/${await coupon(e)}` }),
    expect: ADMIN(200),
  },
  {
    route: 'POST /admin/popular/refresh',
    request: async () => ({ method: 'POST', path: '/admin/popular/refresh' }),
    expect: ADMIN(200),
  },
  { route: 'GET /admin/queues', request: async () => ({ method: 'GET', path: '/admin/queues' }), expect: ADMIN(200) },
];

describe.each(ROWS)('$route', (row) => {
  it.each(CALLERS)('%s', async (caller) => {
    const { method, path, body } = await row.request();
    const r = await e.request(method, path, { token: tokenOf(caller), ...(body === undefined ? {} : { body }) });
    const want = caller === 'other' || caller === 'owner' || caller === 'admin' ? row.expect[caller] : 401;
    expect([caller, r.status]).toEqual([caller, want]);
    if (want === 401 || want === 403) expect(r.body.error.code).toBe(want === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN');
  });
});
