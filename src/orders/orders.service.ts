import { randomUUID } from 'node:crypto';
import { eq, and } from 'drizzle-orm';
import { expiryOf } from '../coupons/coupon-rules.ts';
import { findCoupon, insertUserCoupons } from '../coupons/coupons.repo.ts';
import { inTransaction, type Tx } from '../db/client.ts';
import { isDuplicateKey } from '../db/errors.ts';
import { orderItems, orders, reservationOutcomes, userCoupons } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError, isAppError } from '../lib/errors.ts';
import { assertOwner } from '../lib/http.ts';
import type { Recorder } from '../lib/idempotency.ts';
import type { Principal } from '../lib/jwt.ts';
import { toPage, type Page } from '../lib/pagination.ts';
import { findBalance, movePoints } from '../points/points.repo.ts';
import { cachedOptions } from '../products/catalog.ts';
import type { OptionRow } from '../products/products.repo.ts';
import { confirmStock, releaseStock, reserveStock, restockOrder, restoreOptionStock, salesOf, type RestockOrder, type StockItem } from '../products/stock.ts';
import { assertUserExists } from '../users/users.service.ts';
import { enqueueDelivery } from './delivery.ts';
import { eventIdOf, findOrder, insertEvent, lockUserCoupon, orderPage, toOrderView } from './orders.repo.ts';
import { recordStockMovements } from '../products/durable-stock.ts';
import type { OrderView } from './orders.schemas.ts';
import { priceOrder } from './pricing.ts';

export type NewOrderInput = { items: StockItem[]; couponId?: number | null | undefined };

/**
 * Where an order becomes paid. Stock is reserved in Redis first (all or nothing), then one MySQL transaction
 * takes the coupon, the points, writes the order and its outbox row; a refusal releases the reservation, so it
 * changes nothing. The steps after the commit are each repaired by a job if this process dies.
 */
export async function placeOrder(deps: Deps, userId: number, input: NewOrderInput, record?: Recorder): Promise<OrderView> {
  await assertUserExists(deps, userId);
  const options = await cachedOptions(deps, input.items.map((i) => i.optionId));
  const byId = new Map(options.map((o) => [o.id, o]));
  const unknown = input.items.find((i) => !byId.has(i.optionId));
  if (unknown) throw new AppError('PRODUCT_NOT_FOUND', `Option ${unknown.optionId} not found`, { optionId: unknown.optionId });

  const rid = randomUUID();
  const now = deps.clock.now();
  let reserved = await reserveStock(deps, rid, input.items, now);
  if (!reserved.ok && reserved.reason === 'MISSING') {
    await restoreOptionStock(deps, options.map((o) => o.id));
    reserved = await reserveStock(deps, rid, input.items, now);
  }
  if (!reserved.ok) {
    const optionId = input.items[reserved.index]!.optionId;
    throw new AppError('OUT_OF_STOCK', `Not enough stock for option ${optionId}`, { optionId });
  }

  let view: OrderView;
  try {
    view = await inTransaction(deps.db, (tx) => commitOrder(deps, tx, { rid, userId, input, byId, now, record }));
  } catch (err) {
    // A refusal rolled the transaction back: the stock goes back now. Any other failure (a connection lost while
    // COMMIT was in flight) may have committed; the sweeper settles it against the outcome row after the timeout.
    if (isAppError(err) && err.status < 500) {
      await releaseStock(deps, rid).catch((e: unknown) => deps.logger.error({ err: e, rid }, 'release failed; the sweeper will return it'));
    } else {
      deps.logger.warn({ err, rid }, 'order transaction failed without a refusal; the sweeper will settle its reservation');
    }
    throw err;
  }

  await afterCommit(deps, view.orderId, [confirmStock(deps, rid, now, salesOf(view.items)), enqueueDelivery(deps, eventIdOf(view.orderId, 'order.paid'))]);
  return view;
}

/** How long an answer waits for the steps after its commit; past it, the answer goes and the jobs repair them. */
export const AFTER_COMMIT_WAIT_MS = 1_000;

/**
 * The committed answer never waits on a dead dependency: the steps after a commit (live stock, delivery queue)
 * get a bounded wait, and each is repaired by a job if it failed or is still hanging (BullMQ's connection
 * queues commands while Redis is down, so a queue call can hang for the whole outage).
 */
async function afterCommit(deps: Deps, orderId: number, steps: Promise<unknown>[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), AFTER_COMMIT_WAIT_MS)));
  const settled = Promise.allSettled(steps);
  const outcome = await Promise.race([settled, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    deps.logger.warn({ orderId }, 'post-commit steps still running; answering now, the jobs repair what does not finish');
    return;
  }
  for (const r of outcome) if (r.status === 'rejected') deps.logger.warn({ err: r.reason, orderId }, 'post-commit step failed; a job repairs it');
}

async function commitOrder(
  deps: Deps,
  tx: Tx,
  o: { rid: string; userId: number; input: NewOrderInput; byId: Map<number, OptionRow>; now: number; record?: Recorder | undefined },
): Promise<OrderView> {
  const at = new Date(o.now);
  try {
    // Claims the reservation for this order; if the sweeper voided it first (a very slow request), we stop here.
    await tx.insert(reservationOutcomes).values({ reservationId: o.rid, outcome: 'ORDER', createdAt: at });
  } catch (err) {
    if (isDuplicateKey(err)) throw new AppError('SERVICE_UNAVAILABLE', 'The stock reservation expired; retry the order');
    throw err;
  }

  const couponId = o.input.couponId ?? null;
  const held = couponId === null ? null : await takeCoupon(deps, tx, couponId, o.userId, o.now);
  const lines = o.input.items.map((i) => ({ ...i, productId: o.byId.get(i.optionId)!.productId, unitPrice: o.byId.get(i.optionId)!.price }));
  const price = priceOrder(lines, held?.coupon ?? null);

  const [{ id: orderId }] = (await tx
    .insert(orders)
    .values({ userId: o.userId, status: 'PAID', ...price, couponId, reservationId: o.rid, createdAt: at })
    .$returningId()) as [{ id: number }];
  await tx.insert(orderItems).values(lines.map((l, position) => ({ orderId, position, productId: l.productId, optionId: l.optionId, quantity: l.quantity, unitPrice: l.unitPrice })));
  if (held) await tx.update(userCoupons).set({ status: 'USED', usedAt: at, orderId }).where(eq(userCoupons.id, held.rowId));
  if (price.paidAmount > 0) await movePoints(tx, { userId: o.userId, type: 'USE', amount: price.paidAmount, orderId, at });
  // Ledger rows, not an UPDATE of the option row: concurrent orders for one option never queue on its lock.
  await recordStockMovements(tx, orderId, lines, -1, at);

  const view: OrderView = {
    orderId,
    userId: o.userId,
    status: 'PAID',
    items: lines.map((l) => ({ productId: l.productId, optionId: l.optionId, quantity: l.quantity, unitPrice: l.unitPrice })),
    ...price,
    couponId,
    createdAt: at.toISOString(),
  };
  await insertEvent(tx, 'order.paid', view, at);
  await o.record?.(tx, 201, view);
  return view;
}

/**
 * Locks the user's copy of the coupon. A copy answered 201 moments ago may still be in the Redis outbox:
 * it is written here from the issued hash, so it is usable at once.
 */
async function takeCoupon(deps: Deps, tx: Tx, couponId: number, userId: number, now: number) {
  let row = await lockUserCoupon(tx, couponId, userId);
  const coupon = await findCoupon(tx, couponId);
  if (!row && coupon) {
    const issuedAt = await deps.redis.hget(deps.keys.couponIssued(couponId), String(userId));
    if (issuedAt !== null) {
      const ms = Number(issuedAt);
      await insertUserCoupons(tx, [{ couponId, userId, status: 'AVAILABLE', issuedAt: new Date(ms), expiresAt: new Date(expiryOf(ms, coupon.validDays)) }]);
      row = await lockUserCoupon(tx, couponId, userId);
    }
  }
  if (!row || !coupon || row.status !== 'AVAILABLE' || row.expiresAt.getTime() <= now) {
    throw new AppError('COUPON_NOT_USABLE', 'The coupon is unknown, not held, used or expired', { couponId });
  }
  return { rowId: row.id, coupon };
}

export async function getOrder(deps: Deps, principal: Principal, orderId: number): Promise<OrderView> {
  const found = await findOrder(deps.db, orderId);
  if (!found) throw new AppError('ORDER_NOT_FOUND');
  assertOwner(principal, found.order.userId);
  return toOrderView(found.order, found.items);
}

export async function listOrders(deps: Deps, userId: number, page: Page) {
  if ((await findBalance(deps.readDb, userId)) === null) throw new AppError('USER_NOT_FOUND');
  const rows = await orderPage(deps.readDb, userId, page.beforeId, page.limit);
  return toPage(rows, page, (r) => toOrderView(r, r.items));
}

/** Points back (REFUND), coupon back, durable stock back in one transaction; then the live stock, exactly once. */
export async function cancelOrder(deps: Deps, principal: Principal, orderId: number): Promise<OrderView> {
  const { view, reservationId } = await inTransaction(deps.db, async (tx) => {
    const found = await findOrder(tx, orderId, true);
    if (!found) throw new AppError('ORDER_NOT_FOUND');
    assertOwner(principal, found.order.userId);
    const { order, items } = found;
    if (order.status !== 'PAID') throw new AppError('ORDER_NOT_CANCELLABLE', 'The order is already cancelled');
    const at = new Date(deps.clock.now());
    await tx.update(orders).set({ status: 'CANCELLED', cancelledAt: at }).where(eq(orders.id, orderId));
    if (order.couponId !== null) {
      // Back to AVAILABLE; a copy past its expiry then reads as EXPIRED.
      await tx
        .update(userCoupons)
        .set({ status: 'AVAILABLE', usedAt: null, orderId: null })
        .where(and(eq(userCoupons.couponId, order.couponId), eq(userCoupons.userId, order.userId), eq(userCoupons.orderId, orderId)));
    }
    if (order.paidAmount > 0) await movePoints(tx, { userId: order.userId, type: 'REFUND', amount: order.paidAmount, orderId, at });
    await recordStockMovements(tx, orderId, items, 1, at);
    const cancelled = toOrderView({ ...order, status: 'CANCELLED' }, items);
    await insertEvent(tx, 'order.cancelled', cancelled, at);
    return { view: cancelled, reservationId: order.reservationId };
  });
  const restock = { orderId, createdAt: Date.parse(view.createdAt), reservationId, items: view.items };
  await afterCommit(deps, orderId, [finishRestock(deps, restock), enqueueDelivery(deps, eventIdOf(orderId, 'order.cancelled'))]);
  return view;
}

/** Live stock back and sales uncounted (idempotent), then the durable mark that it happened. */
export async function finishRestock(deps: Deps, order: RestockOrder): Promise<void> {
  await restockOrder(deps, order);
  await deps.db.update(orders).set({ restockedAt: new Date(deps.clock.now()) }).where(eq(orders.id, order.orderId));
}
