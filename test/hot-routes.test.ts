/**
 * The hot routes (order, charge, issue) validate from Node's own request instead of zod-openapi's validators:
 * over a real socket they must answer exactly what `app.request` (Hono's web Request) answers, and the OpenAPI
 * document must still describe them in full.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApp } from '../src/app.ts';
import { coupon, product } from './fixtures.ts';
import { createTestEngine, type TestEngine } from './harness.ts';

let e: TestEngine;
let server: Server;
let base: string;
let buyer: { id: number; token: string };
let optionId: number;
let couponId: number;
beforeAll(async () => {
  e = await createTestEngine();
  let port: number;
  ({ server, port } = await serveApp(e.deps, e.app, 0));
  base = `http://127.0.0.1:${port}`;
  buyer = await e.user(1_000_000);
  optionId = (await product(e, [{ price: 10, stock: 1_000 }])).optionIds[0]!;
  couponId = await coupon(e, { totalQuantity: 10 });
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await e.close();
});

type Case = { path: () => string; headers?: Record<string, string>; body?: string };

type Answer = { status: number; body: any };

/** The same request over the socket and through app.request: status and body. */
async function both(c: Case): Promise<{ socket: Answer; app: Answer }> {
  const headers = { authorization: `Bearer ${buyer.token}`, ...c.headers };
  const viaSocket = await fetch(`${base}${c.path()}`, { method: 'POST', headers, body: c.body ?? null });
  const inProcess = await e.app.request(c.path(), { method: 'POST', headers, body: c.body ?? null });
  return {
    socket: { status: viaSocket.status, body: await viaSocket.json() },
    app: { status: inProcess.status, body: await inProcess.json() },
  };
}

const json = { 'content-type': 'application/json' };
const order = () => '/orders';
const charge = () => `/users/${buyer.id}/points/charge`;

describe('validation read from Node answers as the web Request does', () => {
  it.each<[string, Case, number, string | null]>([
    ['malformed JSON', { path: order, headers: json, body: '{"items": [' }, 400, 'not JSON'],
    ['an empty JSON body', { path: order, headers: json, body: '' }, 400, 'not JSON'],
    ['a body failing the schema', { path: order, headers: json, body: '{"items": []}' }, 400, 'json'],
    ['no Content-Type and no body', { path: order }, 400, 'json'],
    [
      'an Idempotency-Key too long',
      { path: order, headers: { ...json, 'idempotency-key': 'k'.repeat(65) }, body: '{"items": []}' },
      400,
      'header',
    ],
    ['a charge of a negative amount', { path: charge, headers: json, body: '{"amount": -5}' }, 400, 'json'],
    ['a charge as text/plain', { path: charge, headers: { 'content-type': 'text/plain' }, body: '{}' }, 415, null],
    ['an issue for coupon 0', { path: () => '/coupons/0/issue' }, 400, 'param'],
  ])('%s', async (_what, c, status, part) => {
    const { socket, app } = await both(c);
    expect(socket).toEqual(app);
    expect(socket.status).toBe(status);
    if (part === null) expect(socket.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    else if (part === 'not JSON') expect(socket.body.error.message).toBe('The body is not valid JSON');
    else expect(socket.body.error.details.in).toBe(part);
  });

  it('malformed JSON is named as such', async () => {
    const { socket } = await both({ path: order, headers: json, body: 'not json' });
    expect(socket.body.error).toEqual({ code: 'VALIDATION_FAILED', message: 'The body is not valid JSON' });
  });

  it('a body that starts with a byte-order mark is read as JSON', async () => {
    const body = `\ufeff${JSON.stringify({ items: [{ optionId, quantity: 1 }] })}`;
    const r = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${buyer.token}` },
      body,
    });
    expect(r.status).toBe(201);
    expect(((await r.json()) as any).items).toEqual([expect.objectContaining({ optionId, quantity: 1 })]);
  });

  it('a chunked body (no Content-Length) is read and validated too', async () => {
    const text = JSON.stringify({ items: [{ optionId, quantity: 2 }] });
    const stream = new ReadableStream({
      start(ctl) {
        ctl.enqueue(new TextEncoder().encode(text.slice(0, 10)));
        ctl.enqueue(new TextEncoder().encode(text.slice(10)));
        ctl.close();
      },
    });
    const r = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${buyer.token}` },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(r.status).toBe(201);
    expect(((await r.json()) as any).items[0].quantity).toBe(2);
  });

  it('the validated Idempotency-Key and params reach the handlers', async () => {
    const headers = { ...json, authorization: `Bearer ${buyer.token}`, 'idempotency-key': 'hot-1' };
    const body = JSON.stringify({ amount: 7 });
    const first = await fetch(`${base}${charge()}`, { method: 'POST', headers, body });
    const again = await fetch(`${base}${charge()}`, { method: 'POST', headers, body });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());

    const issued = await fetch(`${base}/coupons/${couponId}/issue`, {
      method: 'POST',
      headers: { authorization: `Bearer ${buyer.token}` },
    });
    expect(issued.status).toBe(201);
    expect(((await issued.json()) as any).couponId).toBe(couponId);
  });
});

it('the OpenAPI document still describes each hot route in full', async () => {
  const doc = (await e.request('GET', '/openapi.json')).body;
  const post = (path: string) => doc.paths[path].post;
  expect(Object.keys(post('/orders').requestBody.content)).toEqual(['application/json']);
  expect(post('/orders').parameters.map((p: { name: string }) => p.name)).toEqual(['idempotency-key']);
  expect(post('/orders').responses['201']).toBeDefined();
  expect(
    post('/users/{userId}/points/charge')
      .parameters.map((p: { name: string }) => p.name)
      .sort(),
  ).toEqual(['idempotency-key', 'userId']);
  expect(post('/coupons/{couponId}/issue').parameters.map((p: { name: string }) => p.name)).toEqual(['couponId']);
});
