/**
 * The group committer against real MySQL and Redis: one batch decides each movement as its own transaction
 * would, writes everything of the accepted ones and nothing of the refused ones; a reservation the sweeper
 * voided first is refused alone; many concurrent orders fold into few batches. The batch tests run under both
 * ways of learning the new orders' ids (named from the INSERT's first id, and read back).
 */
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  idempotencyKeys,
  orderEvents,
  orderItems,
  orders,
  pointHistory,
  reservationOutcomes,
  stockLedger,
  userCoupons,
} from '../src/db/schema/index.ts';
import { createPool } from '../src/db/client.ts';
import { commitPayments, type PaymentEntry } from '../src/payments/commit.ts';
import { orderIdPlan, READ_BACK, type OrderIdPlan } from '../src/payments/payments.repo.ts';
import { reserveStock } from '../src/orders/reservations.ts';
import { coupon, liveStockOf, product } from './fixtures.ts';
import { concurrently, createTestEngine, until, type TestEngine } from './harness.ts';

let e: TestEngine;
beforeAll(async () => (e = await createTestEngine()));
afterAll(() => e.close());

const balanceOf = async (userId: number) =>
  (await e.request('GET', `/users/${userId}/points`, { token: e.adminToken })).body.balance as number;
const historyOf = async (userId: number) =>
  (await e.deps.db.select().from(pointHistory).where(eq(pointHistory.userId, userId)).orderBy(pointHistory.id)).map(
    (h) => [h.type, h.amount, h.balanceAfter],
  );

/** One-unit orders at 10 points of a fresh option, one per reservation id, reserved, for a user funded with 100. */
async function reservedOrders(rids: string[], at: Date) {
  const p = await product(e, [{ price: 10, stock: 10 }]);
  const optionId = p.optionIds[0]!;
  const user = await e.user(100);
  for (const rid of rids) await reserveStock(e.deps, rid, [{ optionId, quantity: 1 }], at.getTime());
  const line = { productId: p.id, optionId, quantity: 1, unitPrice: 10 };
  const entries = rids.map(
    (rid): PaymentEntry => ({ kind: 'order', rid, userId: user.id, lines: [line], couponId: null, at }),
  );
  return { user, entries };
}

const plans: [string, () => Promise<OrderIdPlan>][] = [
  ['named-from-first', () => orderIdPlan(e.deps.paymentsPool)],
  ['read-back', async () => READ_BACK],
];

describe.each(plans)('one batch, order ids %s', (name, planOf) => {
  let plan: OrderIdPlan;
  beforeAll(async () => {
    plan = await planOf();
    // This server (MariaDB, lock mode 1) allows both; a server in lock mode 2 would only test the read-back plan.
    expect(plan.consecutive).toBe(name === 'named-from-first');
  });
  const recorder = (key: string) => ({
    id: { subject: 'payments-test', scope: 'test', key, requestHash: 'h', createdAt: new Date() },
    recorded: false,
  });

  it('two orders of one user, one coupon in two orders, a charge, a ghost: each decided alone, written together', async () => {
    const p = await product(e, [{ price: 600, stock: 100 }]);
    const optionId = p.optionIds[0]!;
    const c = await coupon(e, { discountType: 'FIXED', discountValue: 100 });
    const a = await e.user(1_000);
    const b = await e.user(5_000);
    expect((await e.request('POST', `/coupons/${c}/issue`, { token: b.token })).status).toBe(201);
    const at = new Date();
    const line = { productId: p.id, optionId, quantity: 1, unitPrice: 600 };
    const rid = (r: string) => `${name}-${r}`;
    const order = async (userId: number, r: string, couponId: number | null = null): Promise<PaymentEntry> => {
      expect(await reserveStock(e.deps, rid(r), [{ optionId, quantity: 1 }], at.getTime())).toEqual({ ok: true });
      return { kind: 'order', rid: rid(r), userId, lines: [line], couponId, at };
    };
    const keys = [`${name}-a-1`, `${name}-charge`, `${name}-b-1`];
    const batch: PaymentEntry[] = [
      { ...(await order(a.id, 'a-1')), record: recorder(keys[0]!) },
      await order(a.id, 'a-2'), // 400 left: refused
      { kind: 'charge' as const, userId: a.id, amount: 300, at, record: recorder(keys[1]!) },
      { ...(await order(b.id, 'b-1', c)), record: recorder(keys[2]!) },
      await order(b.id, 'b-2', c), // the copy is used by b-1: refused
      await order(987_654, 'ghost'),
    ];

    const results = await commitPayments(e.deps, batch, plan);
    const codes = results.map((r) => (r instanceof Error ? (r as { code?: string }).code : 'ok'));
    expect(codes).toEqual(['ok', 'INSUFFICIENT_POINTS', 'ok', 'ok', 'COUPON_NOT_USABLE', 'USER_NOT_FOUND']);
    expect(results[2]).toEqual({ userId: a.id, balance: 700 });
    expect(results[3]).toMatchObject({
      userId: b.id,
      couponId: c,
      totalAmount: 600,
      discountAmount: 100,
      paidAmount: 500,
    });

    expect([await balanceOf(a.id), await balanceOf(b.id)]).toEqual([700, 4_500]);
    expect(await historyOf(a.id)).toEqual([
      ['CHARGE', 1_000, 1_000],
      ['USE', 600, 400],
      ['CHARGE', 300, 700],
    ]);
    expect(await historyOf(b.id)).toEqual([
      ['CHARGE', 5_000, 5_000],
      ['USE', 500, 4_500],
    ]);
    const paidIds = [results[0], results[3]].map((r) => (r as { orderId: number }).orderId);
    const rows = await e.deps.db
      .select()
      .from(orders)
      .where(inArray(orders.reservationId, ['a-1', 'a-2', 'b-1', 'b-2', 'ghost'].map(rid)));
    expect(rows.map((r) => r.id).sort()).toEqual([...paidIds].sort());
    expect(
      await e.deps.db.select({ id: orderItems.orderId }).from(orderItems).where(inArray(orderItems.orderId, paidIds)),
    ).toHaveLength(2);
    expect(
      await e.deps.db.select({ id: stockLedger.id }).from(stockLedger).where(inArray(stockLedger.orderId, paidIds)),
    ).toHaveLength(2);
    const events = await e.deps.db
      .select()
      .from(orderEvents)
      .where(inArray(orderEvents.orderId, paidIds))
      .orderBy(orderEvents.orderId);
    expect(events.map((r) => [r.eventId, r.orderId])).toEqual(paidIds.map((id) => [`order-${id}-paid`, id]));
    // The payload is the order's answer as sent, byte for byte, with the event's name last.
    expect(events.map((r) => r.payload)).toEqual(
      [results[0], results[3]].map((view) => JSON.stringify({ ...(view as object), event: 'order.paid' })),
    );
    const stored = await e.deps.db
      .select()
      .from(idempotencyKeys)
      .where(inArray(idempotencyKeys.key, keys))
      .orderBy(idempotencyKeys.key);
    expect(stored.map((r) => [r.key, r.state, r.responseStatus, r.responseBody])).toEqual([
      [keys[0], 'DONE', 201, JSON.stringify(results[0])],
      [keys[2], 'DONE', 201, JSON.stringify(results[3])],
      [keys[1], 'DONE', 200, JSON.stringify(results[2])],
    ]);
    expect(batch.map((b) => b.record?.recorded)).toEqual([true, undefined, true, true, undefined, undefined]);
    const outcomes = await e.deps.db
      .select()
      .from(reservationOutcomes)
      .where(inArray(reservationOutcomes.reservationId, ['a-1', 'a-2', 'b-1', 'b-2', 'ghost'].map(rid)));
    expect(outcomes.map((o) => o.reservationId).sort()).toEqual(['a-1', 'b-1'].map(rid));
    const [copy] = await e.deps.db.select().from(userCoupons).where(eq(userCoupons.couponId, c));
    expect([copy!.status, copy!.orderId]).toEqual(['USED', paidIds[1]]);
  });

  it('a reservation the sweeper voided first is refused alone; the rest of the batch commits', async () => {
    const at = new Date();
    const { user, entries } = await reservedOrders([`${name}-v-1`, `${name}-v-2`], at);
    await e.deps.db
      .insert(reservationOutcomes)
      .values({ reservationId: `${name}-v-1`, outcome: 'VOID', createdAt: at });
    const results = await commitPayments(e.deps, entries, plan);
    expect((results[0] as { code?: string }).code).toBe('SERVICE_UNAVAILABLE');
    expect(results[1]).toMatchObject({ paidAmount: 10 });
    expect(await balanceOf(user.id)).toBe(90);
  });
});

it('names each order by its own id when the session numbers auto-increment rows 3 apart', async () => {
  // The step is a session variable: a batch reads the one its connection has, not a value cached at start.
  const pool = createPool(e.deps.config.DATABASE_URL, 1, { multipleStatements: true });
  pool.pool.on('connection', (conn) => {
    conn.query('SET SESSION auto_increment_increment = 3');
  });
  try {
    const rids = ['step-1', 'step-2', 'step-3'];
    const { user: u, entries } = await reservedOrders(rids, new Date());
    const results = await commitPayments({ ...e.deps, paymentsPool: pool }, entries, await orderIdPlan(pool));
    const ids = results.map((r) => (r as { orderId: number }).orderId);
    expect(ids[1]! - ids[0]!).toBe(3);
    const rows = await e.deps.db.select().from(orders).where(inArray(orders.reservationId, rids)).orderBy(orders.id);
    expect(rows.map((r) => [r.reservationId, r.id])).toEqual(rids.map((rid, k) => [rid, ids[k]]));
    const items = await e.deps.db.select().from(orderItems).where(inArray(orderItems.orderId, ids));
    expect(items.map((i) => i.orderId).sort()).toEqual([...ids].sort());
    const events = await e.deps.db.select().from(orderEvents).where(inArray(orderEvents.orderId, ids));
    expect(events.map((ev) => [ev.eventId, JSON.parse(ev.payload).orderId]).sort()).toEqual(
      ids.map((id) => [`order-${id}-paid`, id]).sort(),
    );
    const history = await e.deps.db.select().from(pointHistory).where(eq(pointHistory.userId, u.id));
    expect(history.filter((h) => h.type === 'USE').map((h) => h.orderId)).toEqual(ids);
  } finally {
    await pool.end();
  }
});

it('writes UTC times on a host in another time zone', async () => {
  const zone = process.env.TZ;
  process.env.TZ = 'Asia/Seoul'; // UTC+9, no daylight saving: a local-time write would be 9 hours off
  try {
    const at = new Date('2026-05-05T12:34:56.789Z');
    const { entries } = await reservedOrders(['tz-1'], at);
    const [view] = await commitPayments(e.deps, entries, await orderIdPlan(e.deps.paymentsPool));
    const orderId = (view as { orderId: number }).orderId;
    const [order] = await e.deps.db.select().from(orders).where(eq(orders.id, orderId));
    const [event] = await e.deps.db.select().from(orderEvents).where(eq(orderEvents.orderId, orderId));
    const history = await e.deps.db.select().from(pointHistory).where(eq(pointHistory.orderId, orderId));
    expect([order!.createdAt, event!.createdAt, history[0]!.createdAt].map((d) => d.toISOString())).toEqual([
      at.toISOString(),
      at.toISOString(),
      at.toISOString(),
    ]);
  } finally {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  }
});

describe('the committer under a crowd', () => {
  it('200 concurrent orders fold into fewer batches, each answered with its own order', async () => {
    const p = await product(e, [{ price: 10, stock: 1_000 }]);
    const optionId = p.optionIds[0]!;
    const buyers = await concurrently(50, () => e.user(1_000));
    const count = async () => {
      const text = await e.deps.metrics.getSingleMetricAsString('engine_payment_batch_size');
      return Number(/engine_payment_batch_size_count (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await count();
    const paidCount = async () =>
      Number(
        /engine_orders_total\{result="paid"\} (\d+)/.exec(
          await e.deps.metrics.getSingleMetricAsString('engine_orders_total'),
        )?.[1] ?? 0,
      );
    const paidBefore = await paidCount();
    const open = await e.deps.redis.zcard(e.deps.keys.reservations); // the refused ones above, left to the sweeper
    const answers = await concurrently(200, (i) =>
      e.request('POST', '/orders', { token: buyers[i % 50]!.token, body: { items: [{ optionId, quantity: 1 }] } }),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(200);
    expect(new Set(answers.map((r) => r.body.orderId)).size).toBe(200);
    expect(answers.map((r) => r.body.userId)).toEqual(answers.map((_, i) => buyers[i % 50]!.id));
    expect((await count()) - before).toBeLessThan(200);
    expect((await paidCount()) - paidBefore).toBe(200);
    expect(await liveStockOf(e, optionId)).toBe(800);
    for (const b of buyers) expect(await balanceOf(b.id)).toBe(1_000 - 40);
    const [{ n }] = (await e.deps.db
      .select({ n: sql<number>`count(*)` })
      .from(orders)
      .where(
        inArray(
          orders.userId,
          buyers.map((b) => b.id),
        ),
      )) as [{ n: number }];
    expect(Number(n)).toBe(200);
    await until(
      () => e.deps.redis.zcard(e.deps.keys.reservations),
      (z) => z === open,
      5_000,
      'every reservation confirmed',
    );
  });

  it('one Idempotency-Key sent 20 times at once makes one order; the others are told it is running, or get its answer', async () => {
    const p = await product(e, [{ price: 10, stock: 100 }]);
    const u = await e.user(1_000);
    const body = { items: [{ optionId: p.optionIds[0]!, quantity: 1 }] };
    const answers = await concurrently(20, () =>
      e.request('POST', '/orders', { token: u.token, body, headers: { 'idempotency-key': 'crowd-key' } }),
    );
    const created = answers.filter((r) => r.status === 201);
    expect(new Set(created.map((r) => r.body.orderId)).size).toBe(1);
    expect(
      answers
        .filter((r) => r.status !== 201)
        .every((r) => r.status === 409 && r.body.error.code === 'REQUEST_IN_PROGRESS'),
    ).toBe(true);
    expect(await balanceOf(u.id)).toBe(990);
  });
});
