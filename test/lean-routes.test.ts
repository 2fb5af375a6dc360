/**
 * Lean routes (src/lib/lean-route.ts) are answered by Node's listener before Hono. Over a real socket they must
 * answer exactly as the same engine served by Hono alone: status, body, headers, metrics. Which requests the
 * lean path takes is asserted too, so a change that quietly sends every request to Hono fails here.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { request as httpRequest } from 'node:http';
import { createRoute } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEAN_ROUTES } from '../src/app.ts';
import { AppError } from '../src/lib/errors.ts';
import { jsonContent } from '../src/lib/http.ts';
import { leanDispatch, leanRoute } from '../src/lib/lean-route.ts';
import { requestDurations } from '../src/lib/metrics.ts';
import { startServer } from '../src/lib/server.ts';
import { ProductParams } from '../src/products/products.schemas.ts';
import { z } from '@hono/zod-openapi';
import { coupon, product } from './fixtures.ts';
import { createTestEngine, type TestEngine } from './harness.ts';

let e: TestEngine;
const servers: Server[] = [];
/** the lean server's decisions, in request order: true when the lean path answered */
const took: boolean[] = [];
let lean: string;
let plain: string;
let buyer: { id: number; token: string };
let productId: number;

async function listen(first?: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<string> {
  const { server, port } = await startServer(e.app.fetch, 0, first);
  servers.push(server);
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  e = await createTestEngine();
  const dispatch = leanDispatch(e.deps, LEAN_ROUTES);
  lean = await listen((req, res) => {
    const answered = dispatch(req, res);
    took.push(answered);
    return answered;
  });
  plain = await listen();
  buyer = await e.user();
  productId = (await product(e, [{ price: 10, stock: 7 }])).id;
  await e.request('POST', '/admin/popular/refresh', { token: e.adminToken });
});
afterAll(async () => {
  for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
  await e.close();
});

type Sent = { method?: string; path: string; headers?: Record<string, string>; body?: string };
type Got = { status: number; body: any; headers: Record<string, string> };

/** Headers that differ between any two answers (time, connection, a balance's digits) or are checked on their own. */
const VARYING = new Set(['date', 'connection', 'keep-alive', 'x-request-id', 'content-length']);

/** One request over a socket, with node:http (which, unlike fetch, sends a HEAD or a GET with a body as given). */
function send(base: string, s: Sent): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${s.path}`, { method: s.method ?? 'GET', headers: s.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (s.method !== 'HEAD') expect(res.headers['content-length']).toBe(String(Buffer.byteLength(text)));
        resolve({
          status: res.statusCode!,
          body: text === '' ? null : JSON.parse(text),
          headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])),
        });
      });
    });
    req.on('error', reject);
    req.end(s.body);
  });
}

/** Header names and values, the varying ones aside. */
const stable = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => !VARYING.has(k)));

/** The request to the lean server and to Hono alone; returns both answers and whether the lean path took it. */
async function both(s: Sent) {
  const before = took.length;
  const viaLean = await send(lean, s);
  expect(took.length).toBe(before + 1);
  const viaHono = await send(plain, s);
  return { viaLean, viaHono, lean: took[before]! };
}

describe('the reads', () => {
  it.each<[string, () => Sent, number, boolean]>([
    ['the popular list', () => ({ path: '/products/popular' }), 200, true],
    ['the popular list with a query string', () => ({ path: '/products/popular?page=2' }), 200, true],
    ['a product page', () => ({ path: `/products/${productId}` }), 200, true],
    ['a product that does not exist', () => ({ path: '/products/987654321' }), 404, true],
    ['a product id of 0', () => ({ path: '/products/0' }), 400, false],
    ['a product id with a leading zero', () => ({ path: `/products/0${productId}` }), 400, false],
    ['a product id with a percent-encoded digit', () => ({ path: `/products/%3${productId}` }), 200, false],
    ['a trailing slash', () => ({ path: '/products/popular/' }), 404, false],
    ['HEAD of the popular list', () => ({ method: 'HEAD', path: '/products/popular' }), 200, false],
    [
      'a GET with a body',
      () => ({ path: '/products/popular', headers: { 'content-length': '2' }, body: '{}' }),
      200,
      false,
    ],
  ])('%s', async (_what, sent, status, byLean) => {
    const { viaLean, viaHono, lean: taken } = await both(sent());
    expect(taken).toBe(byLean);
    expect(viaLean.status).toBe(status);
    expect(viaLean.body).toEqual(viaHono.body);
    expect(stable(viaLean.headers)).toEqual(stable(viaHono.headers));
    expect(viaLean.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a product with its live stock', async () => {
    const { viaLean } = await both({ path: `/products/${productId}` });
    expect(viaLean.body.options).toEqual([expect.objectContaining({ price: 10, stock: 7 })]);
    expect(viaLean.headers['content-type']).toBe('application/json');
    expect(viaLean.headers['x-content-type-options']).toBe('nosniff');
  });

  it("keeps a caller's plain X-Request-Id and replaces any other", async () => {
    const kept = await both({ path: '/products/popular', headers: { 'x-request-id': 'trace-42' } });
    expect(kept.lean).toBe(true);
    expect(kept.viaLean.headers['x-request-id']).toBe('trace-42');
    expect(kept.viaHono.headers['x-request-id']).toBe('trace-42');
    const replaced = await both({ path: '/products/popular', headers: { 'x-request-id': 'not plain!' } });
    expect(replaced.viaLean.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('the coupon claim', () => {
  /** The same claim on each server's own coupon, so that both see the same state. */
  async function claims(steps: { token: () => string | null; body?: string }[], copies = 1) {
    const answers = [];
    const coupons = {
      lean: await coupon(e, { totalQuantity: copies }),
      plain: await coupon(e, { totalQuantity: copies }),
    };
    for (const step of steps) {
      const token = step.token();
      const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      if (step.body !== undefined) headers['content-type'] = 'application/json';
      const before = took.length;
      const viaLean = await send(lean, {
        method: 'POST',
        path: `/coupons/${coupons.lean}/issue`,
        headers,
        body: step.body,
      });
      const viaHono = await send(plain, {
        method: 'POST',
        path: `/coupons/${coupons.plain}/issue`,
        headers,
        body: step.body,
      });
      answers.push({ viaLean, viaHono, lean: took[before]! });
    }
    return answers;
  }

  it('answers each outcome as Hono does, in the contract order (401, 403, then the claim)', async () => {
    const other = await e.user();
    const answers = await claims([
      { token: () => null },
      { token: () => e.adminToken },
      { token: () => 'not.a.token' },
      { token: () => buyer.token },
      { token: () => buyer.token },
      { token: () => other.token },
    ]);
    expect(answers.map((a) => [a.viaLean.status, a.viaLean.body.error?.code ?? 'issued', a.lean])).toEqual([
      [401, 'UNAUTHENTICATED', true],
      [403, 'FORBIDDEN', true],
      [401, 'UNAUTHENTICATED', true],
      [201, 'issued', true],
      [409, 'COUPON_ALREADY_ISSUED', true],
      [409, 'COUPON_SOLD_OUT', true],
    ]);
    for (const a of answers) {
      expect(a.viaLean.status).toBe(a.viaHono.status);
      expect(Object.keys(a.viaLean.body)).toEqual(Object.keys(a.viaHono.body));
      expect(a.viaLean.body.error).toEqual(a.viaHono.body.error);
      expect(stable(a.viaLean.headers)).toEqual(stable(a.viaHono.headers));
    }
    expect(answers[3]!.viaLean.body).toEqual(expect.objectContaining({ userId: buyer.id, status: 'AVAILABLE' }));
  });

  it('leaves a claim with a body, or with a bad id, to Hono', async () => {
    const [withBody] = await claims([{ token: () => buyer.token, body: '{}' }]);
    expect(withBody!.lean).toBe(false);
    expect(withBody!.viaLean.status).toBe(201);

    // Without a token a malformed id is still a 401 first, as the guard orders it.
    for (const [token, status] of [
      [null, 401],
      [buyer.token, 400],
    ] as const) {
      const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      const r = await both({ method: 'POST', path: '/coupons/abc/issue', headers });
      expect(r.lean).toBe(false);
      expect(r.viaLean.status).toBe(status);
      expect(r.viaLean.body).toEqual(r.viaHono.body);
    }
  });

  it('a coupon that does not exist is a 404 from the lean path too', async () => {
    const r = await both({
      method: 'POST',
      path: '/coupons/987654321/issue',
      headers: { authorization: `Bearer ${buyer.token}` },
    });
    expect([r.lean, r.viaLean.status, r.viaLean.body]).toEqual([true, 404, r.viaHono.body]);
    expect(r.viaLean.body.error.code).toBe('COUPON_NOT_FOUND');
  });
});

describe('orders and charges (a JSON body)', () => {
  let optionId: number;
  let funded: { id: number; token: string };
  beforeAll(async () => {
    optionId = (await product(e, [{ price: 10, stock: 1_000 }])).optionIds[0]!;
    funded = await e.user(1_000_000);
  });
  const json = (token: string | null, extra: Record<string, string> = {}) => ({
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...extra,
  });
  const order = () => JSON.stringify({ items: [{ optionId, quantity: 1 }] });

  it.each<[string, () => Sent, number, boolean]>([
    ['an order', () => ({ method: 'POST', path: '/orders', headers: json(funded.token), body: order() }), 201, true],
    ['no token', () => ({ method: 'POST', path: '/orders', headers: json(null), body: order() }), 401, true],
    ['an admin', () => ({ method: 'POST', path: '/orders', headers: json(e.adminToken), body: order() }), 403, true],
    [
      'malformed JSON',
      () => ({ method: 'POST', path: '/orders', headers: json(funded.token), body: '{"items": [' }),
      400,
      true,
    ],
    [
      'a body failing the schema',
      () => ({ method: 'POST', path: '/orders', headers: json(funded.token), body: '{"items": []}' }),
      400,
      true,
    ],
    [
      'an Idempotency-Key too long',
      () => ({
        method: 'POST',
        path: '/orders',
        headers: json(funded.token, { 'idempotency-key': 'k'.repeat(65) }),
        body: order(),
      }),
      400,
      true,
    ],
    [
      'text/plain',
      () => ({
        method: 'POST',
        path: '/orders',
        headers: { ...json(funded.token), 'content-type': 'text/plain' },
        body: order(),
      }),
      415,
      false,
    ],
    [
      'a body over the limit',
      () => ({ method: 'POST', path: '/orders', headers: json(funded.token), body: `{"pad":"${'x'.repeat(70_000)}"}` }),
      413,
      false,
    ],
    ['an empty body', () => ({ method: 'POST', path: '/orders', headers: json(funded.token), body: '' }), 400, false],
    [
      'a charge of my own points',
      () => ({
        method: 'POST',
        path: `/users/${funded.id}/points/charge`,
        headers: json(funded.token),
        body: '{"amount": 5}',
      }),
      200,
      true,
    ],
    [
      "a charge of someone else's points",
      () => ({
        method: 'POST',
        path: `/users/${buyer.id}/points/charge`,
        headers: json(funded.token),
        body: '{"amount": 5}',
      }),
      403,
      true,
    ],
    [
      "an admin charging a user's points",
      () => ({
        method: 'POST',
        path: `/users/${buyer.id}/points/charge`,
        headers: json(e.adminToken),
        body: '{"amount": 5}',
      }),
      200,
      true,
    ],
    [
      'a charge of a negative amount',
      () => ({
        method: 'POST',
        path: `/users/${funded.id}/points/charge`,
        headers: json(funded.token),
        body: '{"amount": -5}',
      }),
      400,
      true,
    ],
  ])('%s', async (_what, sent, status, byLean) => {
    const { viaLean, viaHono, lean: taken } = await both(sent());
    expect(taken).toBe(byLean);
    expect(viaLean.status).toBe(status);
    expect(viaHono.status).toBe(status);
    if (status >= 400) expect(viaLean.body).toEqual(viaHono.body);
    else expect(Object.keys(viaLean.body)).toEqual(Object.keys(viaHono.body));
    expect(stable(viaLean.headers)).toEqual(stable(viaHono.headers));
  });

  it('a chunked order goes to Hono and is placed', async () => {
    const before = took.length;
    const r = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${lean}/orders`, { method: 'POST', headers: json(funded.token) }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write(order().slice(0, 5));
      req.end(order().slice(5));
    });
    expect([r, took[before]]).toEqual([201, false]);
  });

  it('replays an order under its Idempotency-Key, marked as a replay', async () => {
    const sent = {
      method: 'POST',
      path: '/orders',
      headers: json(funded.token, { 'idempotency-key': 'lean-1' }),
      body: order(),
    };
    const first = await send(lean, sent);
    const again = await send(lean, sent);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body).toEqual(first.body);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again.headers['idempotent-replayed']).toBe('true');
    const changed = await send(lean, { ...sent, body: JSON.stringify({ items: [{ optionId, quantity: 2 }] }) });
    expect([changed.status, changed.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
  });
});

it('counts lean answers in the same request histogram, under the route and status', async () => {
  const count = async (route: string, status: string) => {
    const { values } = await requestDurations(e.deps.metrics).get();
    return (
      values.find(
        (v) =>
          v.metricName === 'http_request_duration_seconds_count' &&
          v.labels.route === route &&
          v.labels.status === status &&
          v.labels.method === 'GET',
      )?.value ?? 0
    );
  };
  const [ok, missing] = [await count('/products/:productId', '200'), await count('/products/:productId', '404')];
  for (let i = 0; i < 3; i++) expect((await send(lean, { path: `/products/${productId}` })).status).toBe(200);
  expect((await send(lean, { path: '/products/987654321' })).status).toBe(404);
  expect(await count('/products/:productId', '200')).toBe(ok + 3);
  expect(await count('/products/:productId', '404')).toBe(missing + 1);
  const { values } = await requestDurations(e.deps.metrics).get();
  expect(values.find((v) => v.labels.route === '/products/:productId' && v.labels.status === '404')?.labels.ok).toBe(
    'false',
  );
});

describe('a failing lean route', () => {
  const route = (answer: () => never | Promise<never> | AppError) =>
    leanRoute(
      createRoute({
        method: 'get',
        path: '/boom/{productId}',
        request: { params: ProductParams },
        responses: { 200: jsonContent(z.object({}), 'never') },
      }),
      undefined,
      answer,
    );

  it.each<[string, () => never | Promise<never> | AppError, number, string, Record<string, string>]>([
    [
      'an unexpected throw is a 500',
      () => {
        throw new Error('boom');
      },
      500,
      'INTERNAL',
      {},
    ],
    ['an unexpected rejection is a 500', () => Promise.reject(new Error('boom')), 500, 'INTERNAL', {}],
    [
      'a lost connection is a 503',
      () => Promise.reject(Object.assign(new Error('gone'), { code: 'ECONNREFUSED' })),
      503,
      'SERVICE_UNAVAILABLE',
      {},
    ],
    [
      'an AppError keeps its status and headers',
      () => new AppError('RATE_LIMITED', 'slow down', undefined, { 'Retry-After': '3' }),
      429,
      'RATE_LIMITED',
      { 'retry-after': '3' },
    ],
  ])('%s', async (_what, answer, status, code, headers) => {
    const base = await listen(leanDispatch(e.deps, [route(answer)]));
    const r = await send(base, { path: '/boom/5' });
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(r.headers).toEqual(expect.objectContaining({ 'content-type': 'application/json', ...headers }));
  });
});
