/**
 * Generated bad input against every route: bodies the route's own schema rejects, malformed raw bodies, odd
 * content types, random path segments, query strings and headers. Only contract errors may come back (never a
 * 5xx or a hang), always in the error body's shape, and the state is exactly as before.
 */
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NewCoupon } from '../src/coupons/coupons.schemas.ts';
import { ERROR_STATUS } from '../src/lib/errors.ts';
import { NewOrder } from '../src/orders/orders.schemas.ts';
import { ChargeBody } from '../src/points/points.schemas.ts';
import { NewProduct, StockDelta } from '../src/products/products.schemas.ts';
import { createTestEngine, type Res, type TestEngine } from './harness.ts';
import { coupon, product } from './fixtures.ts';

let e: TestEngine;
let owner: { id: number; token: string };
let optionId: number;
let couponId: number;
let sent = 0;
beforeAll(async () => {
  e = await createTestEngine();
  owner = await e.user(5_000);
  optionId = (await product(e, [{ price: 10, stock: 50 }])).optionIds[0]!;
  couponId = await coupon(e, { totalQuantity: 5 });
});
afterAll(() => e.close());

const CODES = new Set(Object.keys(ERROR_STATUS));
const ALLOWED = new Set([400, 401, 403, 404, 405, 409, 413, 415, 422, 429]);
const RUNS = Number(process.env.FUZZ_RUNS || 250);
/** every generated case reaches the engine: at least one request per run of each property */
const BODIES_AT_LEAST = RUNS * 10;
const PATHS_AT_LEAST = RUNS * 3;

async function state() {
  const counts = (
    await e.deps.db.execute(
      sql`SELECT (SELECT COUNT(*) FROM users) u, (SELECT COUNT(*) FROM point_history) h, (SELECT SUM(balance) FROM point_wallets) b,
        (SELECT COUNT(*) FROM products) p, (SELECT SUM(stock) FROM product_options) s, (SELECT COUNT(*) FROM coupons) c,
        (SELECT COUNT(*) FROM orders) o, (SELECT COUNT(*) FROM idempotency_keys) i`,
    )
  )[0] as unknown as object[];
  const live = await e.deps.redis.get(e.deps.keys.optionStock(optionId));
  const issued = await e.deps.redis.hlen(e.deps.keys.couponIssued(couponId));
  return { counts: JSON.stringify(counts[0]), live, issued };
}

function check(r: Res, what: string) {
  sent++;
  expect.soft(ALLOWED.has(r.status), `${what} → ${r.status} ${JSON.stringify(r.body)}`).toBe(true);
  if (r.status >= 400) {
    expect(r.body && typeof r.body === 'object' && typeof r.body.error === 'object', `${what}: error body`).toBe(true);
    expect(CODES.has(r.body.error.code), `${what}: code ${r.body.error.code}`).toBe(true);
    expect(typeof r.body.error.message).toBe('string');
    expect(JSON.stringify(r.body)).not.toMatch(/at .*\.ts:|SELECT |sqlMessage|\bER_[A-Z]/);
  }
}

const rejectedBy = (schema: { safeParse(v: unknown): { success: boolean } }) =>
  fc.jsonValue().filter((v) => !schema.safeParse(v).success);
const segment = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.integer().map(String),
  fc.constantFrom('0', '01', '-1', '1e3', '9007199254740993', '１', '%00', '..'),
);
const bodyRoutes = () => [
  { path: `/users/${owner.id}/points/charge`, method: 'POST', token: owner.token, schema: ChargeBody },
  { path: '/orders', method: 'POST', token: owner.token, schema: NewOrder },
  { path: '/admin/products', method: 'POST', token: e.adminToken, schema: NewProduct },
  { path: `/admin/options/${optionId}/stock`, method: 'PATCH', token: e.adminToken, schema: StockDelta },
  { path: '/admin/coupons', method: 'POST', token: e.adminToken, schema: NewCoupon },
];

it('bodies each route rejects, and malformed raw bodies, change nothing', async () => {
  sent = 0;
  const before = await state();
  for (const route of bodyRoutes()) {
    await fc.assert(
      fc.asyncProperty(rejectedBy(route.schema), async (body) => {
        check(
          await e.request(route.method, route.path, { token: route.token, body }),
          `${route.path} ${JSON.stringify(body)}`,
        );
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=utf-8',
          '',
        ),
        async (raw, type) => {
          const headers: Record<string, string> = type ? { 'content-type': type } : {};
          const r = await e.request(route.method, route.path, { token: route.token, rawBody: raw, headers });
          // A raw string can happen to be valid JSON for the route; those are excluded from "nothing changes".
          let parsed: unknown;
          try {
            parsed = JSON.parse(raw);
          } catch {
            parsed = undefined;
          }
          if (parsed !== undefined && route.schema.safeParse(parsed).success && type.startsWith('application/json'))
            return;
          check(r, `${route.path} raw ${JSON.stringify(raw)} (${type})`);
        },
      ),
      { numRuns: RUNS },
    );
  }
  expect(await state()).toEqual(before);
  console.log(`bad bodies sent: ${sent}`);
  expect(sent).toBeGreaterThanOrEqual(BODIES_AT_LEAST);
});

it('random path segments, query strings and headers on every route', async () => {
  sent = 0;
  const before = await state();
  const templates: [string, string][] = [
    ['GET', '/users/:x/points'],
    ['POST', '/users/:x/points/charge'],
    ['GET', '/users/:x/points/history'],
    ['GET', '/users/:x/coupons'],
    ['GET', '/users/:x/orders'],
    ['GET', '/orders/:x'],
    ['POST', '/orders/:x/cancel'],
    ['GET', '/products/:x'],
    ['POST', '/coupons/:x/issue'],
    ['GET', '/admin/coupons/:x'],
    ['PATCH', '/admin/options/:x/stock'],
  ];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...templates), segment, fc.boolean(), async ([method, template], seg, admin) => {
      const path = template.replace(':x', encodeURIComponent(seg));
      // Bodies here are invalid, so a POST to a real id is still refused.
      const r = await e.request(method, path, {
        token: admin ? e.adminToken : owner.token,
        ...(method === 'GET' ? {} : { body: { amount: -1, delta: 0 } }),
      });
      if (r.status === 200 && method === 'GET') return void sent++;
      check(r, `${method} ${path}`);
    }),
    { numRuns: RUNS * 2 },
  );
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(
        `/users/${owner.id}/points/history`,
        `/users/${owner.id}/coupons`,
        `/users/${owner.id}/orders`,
        '/products',
      ),
      fc.dictionary(
        fc.constantFrom('limit', 'cursor', 'x'),
        fc.oneof(fc.string({ maxLength: 20 }), fc.integer().map(String)),
        { maxKeys: 3 },
      ),
      async (path, query) => {
        const qs = new URLSearchParams(query).toString();
        const r = await e.request('GET', `${path}?${qs}`, { token: owner.token });
        if (r.status === 200) return void sent++;
        check(r, `GET ${path}?${qs}`);
      },
    ),
    { numRuns: RUNS },
  );
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.string({ maxLength: 80 }), fc.constant('')),
      fc.oneof(
        fc.string({ maxLength: 300 }),
        fc.constantFrom('Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', `bearer ${owner.token}`),
      ),
      async (key, auth) => {
        if (/^[\x21-\x7e]{1,64}$/.test(key) || /[^\x20-\x7e]/.test(key + auth)) return; // valid keys apply; non-ASCII is not a legal header
        const r = await e.request('POST', `/users/${owner.id}/points/charge`, {
          body: { amount: 5 },
          headers: { authorization: auth, 'idempotency-key': key },
        });
        check(r, `charge with key ${JSON.stringify(key)} auth ${JSON.stringify(auth.slice(0, 20))}`);
      },
    ),
    { numRuns: RUNS },
  );
  expect(await state()).toEqual(before);
  console.log(`bad paths, queries and headers sent: ${sent}`);
  expect(sent).toBeGreaterThanOrEqual(PATHS_AT_LEAST);
});
