import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { orderEvents } from '../src/db/schema/index.ts';
import { createTestEngine, until, type TestEngine } from './harness.ts';
import { product } from './fixtures.ts';

const SECRET = 'platform-secret-123';
type Hit = { status: number; body: string; eventId: string; signature: string; at: number };
const hits: Hit[] = [];
let failuresLeft = 0;
let server: Server;
let e: TestEngine;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const status = failuresLeft > 0 ? 503 : 200;
      if (failuresLeft > 0) failuresLeft--;
      hits.push({
        status,
        body,
        eventId: String(req.headers['x-event-id']),
        signature: String(req.headers['x-signature']),
        at: Date.now(),
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  e = await createTestEngine({ workers: true, env: { DATA_PLATFORM_URL: url, DATA_PLATFORM_SECRET: SECRET } });
});
afterAll(async () => {
  await e.close();
  server.close();
});

it('a receiver failing the first two deliveries gets the order on the third, signed, with one event id', async () => {
  failuresLeft = 2;
  const p = await product(e, [{ price: 100, stock: 5 }]);
  const u = await e.user(1000);
  const started = Date.now();
  const r = await e.request('POST', '/orders', {
    token: u.token,
    body: { items: [{ optionId: p.optionIds[0], quantity: 1 }] },
  });
  expect(r.status).toBe(201);
  await until(() => hits.some((h) => h.status === 200), Boolean, 15_000, 'a 200 from the receiver');
  const paid = hits.filter((h) => h.eventId === `order-${r.body.orderId}-paid`);
  expect(paid.map((h) => h.status)).toEqual([503, 503, 200]);
  expect(paid[1]!.at - paid[0]!.at).toBeLessThan(5_000);
  for (const h of paid) {
    expect(h.body).toBe(paid[0]!.body);
    expect(h.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(h.body).digest('hex')}`);
  }
  expect(JSON.parse(paid[2]!.body)).toEqual({ ...r.body, event: 'order.paid' });
  expect(Date.now() - started).toBeLessThan(15_000);
  // The worker marks the outbox row after the receiver's 200 reaches it: wait for that write.
  const eventRow = async () =>
    (
      await e.deps.db
        .select()
        .from(orderEvents)
        .where(eq(orderEvents.eventId, `order-${r.body.orderId}-paid`))
    )[0]!;
  const row = await until(eventRow, (r) => r.deliveredAt !== null, 5_000, 'the event marked delivered');
  expect(row.deliveredAt).not.toBeNull();
  expect(row.attempts).toBe(3);

  const cancel = await e.request('POST', `/orders/${r.body.orderId}/cancel`, { token: u.token });
  await until(
    () => hits.some((h) => h.eventId === `order-${r.body.orderId}-cancelled`),
    Boolean,
    10_000,
    'the cancellation event',
  );
  const cancelled = hits.filter((h) => h.eventId === `order-${r.body.orderId}-cancelled`);
  expect(cancelled.map((h) => h.status)).toEqual([200]);
  expect(JSON.parse(cancelled[0]!.body)).toEqual({ ...cancel.body, event: 'order.cancelled' });
});
