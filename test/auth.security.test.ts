import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwt } from '../src/lib/jwt.ts';
import { createTestEngine, TEST_SECRET, type TestEngine } from './harness.ts';

let e: TestEngine;
let a: { id: number; token: string };
let b: { id: number; token: string };
beforeAll(async () => {
  e = await createTestEngine();
  a = await e.user(100);
  b = await e.user(100);
});
afterAll(() => e.close());

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const exp = () => Math.floor(Date.now() / 1000) + 600;
const hs256 = (header: object, claims: object, secret = TEST_SECRET) => {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};

describe('authentication: every bad token is 401', () => {
  const bad = (): [string, string][] => [
    ['missing', ''],
    ['wrong secret', createJwt('another-secret-0123456789abcdef').sign({ sub: String(a.id), exp: exp() })],
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: String(a.id), exp: exp() })}.`],
    ['alg HS512', hs256({ alg: 'HS512', typ: 'JWT' }, { sub: String(a.id), exp: exp() })],
    ['expired', e.jwt.sign({ sub: String(a.id), exp: Math.floor(Date.now() / 1000) - 1 })],
    ['no exp', hs256({ alg: 'HS256' }, { sub: String(a.id) })],
    ['unknown role', e.jwt.sign({ sub: String(a.id), role: 'root' as 'admin', exp: exp() })],
    ['user sub not an id', e.jwt.sign({ sub: 'alice', exp: exp() })],
    ['garbage', 'not.a.jwt'],
    [
      'tampered payload',
      (() => {
        const [h, , s] = a.token.split('.');
        return `${h}.${b64({ sub: String(b.id), exp: exp() })}.${s}`;
      })(),
    ],
  ];

  it('on a user route and an admin route', async () => {
    for (const [name, token] of bad()) {
      for (const [m, p] of [
        ['GET', `/users/${a.id}/points`],
        ['POST', '/admin/users'],
      ] as const) {
        const r = await e.request(m, p, { token, body: m === 'POST' ? { name: 'x' } : undefined });
        expect([name, p, r.status, r.body.error?.code]).toEqual([name, p, 401, 'UNAUTHENTICATED']);
      }
    }
    expect((await e.request('GET', `/users/${a.id}/points`, { token: a.token })).body.balance).toBe(100);
  });

  it('basic credentials do not count on API routes', async () => {
    const r = await e.request('GET', `/users/${a.id}/points`, {
      headers: { authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}` },
    });
    expect(r.status).toBe(401);
  });
});

describe('authorization', () => {
  it("a user reading or charging another user's points is 403 and changes nothing", async () => {
    for (const [m, p] of [
      ['GET', `/users/${b.id}/points`],
      ['GET', `/users/${b.id}/points/history`],
      ['POST', `/users/${b.id}/points/charge`],
    ] as const) {
      const r = await e.request(m, p, { token: a.token, body: m === 'POST' ? { amount: 5 } : undefined });
      expect([p, r.status, r.body.error.code]).toEqual([p, 403, 'FORBIDDEN']);
    }
    expect((await e.request('GET', `/users/${b.id}/points`, { token: b.token })).body.balance).toBe(100);
  });

  it('authorization comes before validation: a user probing a malformed id gets 403, an admin 400', async () => {
    expect(
      (await e.request('POST', `/users/0${a.id}/points/charge`, { token: a.token, body: { amount: -1 } })).status,
    ).toBe(403);
    expect(
      (await e.request('POST', `/users/0${a.id}/points/charge`, { token: e.adminToken, body: { amount: 5 } })).status,
    ).toBe(400);
    expect(
      (
        await e.request('POST', `/users/${b.id}/points/charge`, {
          token: a.token,
          rawBody: 'x'.repeat(70_000),
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(403);
  });

  it('admin routes are 403 for a user token', async () => {
    const r = await e.request('POST', '/admin/users', { token: a.token, body: { name: 'x' } });
    expect([r.status, r.body.error.code]).toEqual([403, 'FORBIDDEN']);
  });
});

describe('HTTP surface', () => {
  it('unknown routes are 404 NOT_FOUND with the error body', async () => {
    const r = await e.request('GET', '/nope');
    expect(r).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', message: expect.any(String) } } });
  });

  it('secure headers and a request id on every answer', async () => {
    const r = await e.request('GET', '/health');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('publishes OpenAPI 3.1 for every route, the docs page and metrics', async () => {
    const doc = (await e.request('GET', '/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/admin/users',
        '/users/{userId}/points',
        '/users/{userId}/points/charge',
        '/users/{userId}/points/history',
      ]),
    );
    // Every route of the contract, operations included.
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/admin/coupons',
        '/admin/coupons/{couponId}',
        '/admin/options/{optionId}/stock',
        '/admin/popular/refresh',
        '/admin/products',
        '/admin/queues',
        '/admin/users',
        '/coupons/{couponId}/issue',
        '/docs',
        '/health',
        '/metrics',
        '/openapi.json',
        '/orders',
        '/orders/{orderId}',
        '/orders/{orderId}/cancel',
        '/products',
        '/products/popular',
        '/products/{productId}',
        '/users/{userId}/coupons',
        '/users/{userId}/orders',
        '/users/{userId}/points',
        '/users/{userId}/points/charge',
        '/users/{userId}/points/history',
      ].sort(),
    );
    expect(doc.paths['/users/{userId}/points/charge'].post.responses).toHaveProperty('409');
    const docs = await e.request('GET', '/docs');
    expect([docs.status, String(docs.body)]).toEqual([200, expect.stringContaining('swagger')]);
    // Offline: the page names no other host, and its assets come from the engine.
    expect(String(docs.body)).not.toMatch(/https?:\/\//);
    const bundle = await e.request('GET', '/docs/assets/swagger-ui-bundle.js');
    expect([bundle.status, bundle.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect((await e.request('GET', '/docs/assets/package.json')).status).toBe(404);
    await e.request('GET', '/health');
    const m = await e.request('GET', '/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/http_request_duration_seconds_bucket\{.*route="\/health"/);
  });
});
