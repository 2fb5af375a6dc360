import { randomUUID } from 'node:crypto';
import { inTransaction } from '../db/client.ts';
import type { Deps } from '../deps.ts';
import { afterCommit } from '../lib/after-commit.ts';
import { AppError, isAppError } from '../lib/errors.ts';
import { assertOwner } from '../lib/access.ts';
import type { Recorder } from '../lib/idempotency.ts';
import type { Principal } from '../lib/jwt.ts';
import { toPage, type Page } from '../lib/pagination.ts';
import { movePoints } from '../points/points.repo.ts';
import { cachedOptions } from '../products/catalog.ts';
import { recordStockMovements } from '../products/stock-ledger.repo.ts';
import { restoreOptionStock } from '../products/stock.ts';
import { releaseStock, reserveStock, restockOrder, type RestockOrder, type StockItem } from './reservations.ts';
import { assertUserExists } from '../users/users.service.ts';
import { enqueueDelivery } from './delivery.ts';
import {
  eventIdOf,
  findOrder,
  insertEvent,
  markCancelled,
  markRestocked,
  orderPage,
  toOrderView,
} from './orders.repo.ts';
import { releaseCopy } from '../coupons/coupons.repo.ts';
import type { OrderView } from './orders.schemas.ts';

export type NewOrderInput = { items: StockItem[]; couponId?: number | null | undefined };

/**
 * Where an order becomes paid. Stock is reserved in Redis first (all or nothing), then the order joins the
 * process's group committer (src/payments): one MySQL transaction per batch takes the coupon, the points,
 * writes the order and its outbox row. A refusal releases the reservation, so it changes nothing. The steps after
 * the commit are each repaired by a job if this process dies.
 */
export async function placeOrder(
  deps: Deps,
  userId: number,
  input: NewOrderInput,
  record?: Recorder,
): Promise<OrderView> {
  try {
    const view = await takeOrder(deps, userId, input, record);
    deps.counters.order('paid');
    return view;
  } catch (err) {
    deps.counters.order(isAppError(err) ? err.code.toLowerCase() : 'error');
    throw err;
  }
}

async function takeOrder(
  deps: Deps,
  userId: number,
  input: NewOrderInput,
  record: Recorder | undefined,
): Promise<OrderView> {
  const options = await cachedOptions(
    deps,
    input.items.map((i) => i.optionId),
  );
  const byId = new Map(options.map((o) => [o.id, o]));
  const unknown = input.items.find((i) => !byId.has(i.optionId));
  if (unknown)
    throw new AppError('PRODUCT_NOT_FOUND', `Option ${unknown.optionId} not found`, { optionId: unknown.optionId });

  const rid = randomUUID();
  const now = deps.clock.now();
  let reserved = await reserveStock(deps, rid, input.items, now);
  if (!reserved.ok && reserved.reason === 'MISSING') {
    await restoreOptionStock(
      deps,
      options.map((o) => o.id),
    );
    reserved = await reserveStock(deps, rid, input.items, now);
  }
  if (!reserved.ok) {
    // Existence (404) answers before business rules (409). Asked only here: on the way to a paid order the batch
    // finds an unknown user by its missing wallet, so a buyer costs no extra query (and a refusal at most one).
    await assertUserExists(deps, userId);
    const optionId = input.items[reserved.index]!.optionId;
    throw new AppError('OUT_OF_STOCK', `Not enough stock for option ${optionId}`, { optionId });
  }

  const lines = input.items.map((i) => ({
    optionId: i.optionId,
    quantity: i.quantity,
    productId: byId.get(i.optionId)!.productId,
    unitPrice: byId.get(i.optionId)!.price,
  }));
  try {
    const entry = {
      kind: 'order' as const,
      rid,
      userId,
      lines,
      couponId: input.couponId ?? null,
      at: new Date(now),
      record,
    };
    return (await deps.payments.submit(entry)) as OrderView;
  } catch (err) {
    // A refusal changed nothing: the stock goes back now. Any other failure (a connection lost while COMMIT was in
    // flight) may have committed; the sweeper settles it against the outcome row after the timeout.
    if (isAppError(err) && err.status < 500) {
      await releaseStock(deps, rid).catch((e: unknown) =>
        deps.logger.error({ err: e, rid }, 'release failed; the sweeper will return it'),
      );
    } else {
      deps.logger.warn(
        { err, rid },
        'order transaction failed without a refusal; the sweeper will settle its reservation',
      );
    }
    throw err;
  }
}

export async function getOrder(deps: Deps, principal: Principal, orderId: number): Promise<OrderView> {
  const found = await findOrder(deps.db, orderId);
  if (!found) throw new AppError('ORDER_NOT_FOUND');
  assertOwner(principal, found.order.userId);
  return toOrderView(found.order, found.items);
}

export async function listOrders(deps: Deps, userId: number, page: Page) {
  await assertUserExists(deps, userId);
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
    await markCancelled(tx, orderId, at);
    // Back to AVAILABLE; a copy past its expiry then reads as EXPIRED.
    if (order.couponId !== null) await releaseCopy(tx, { couponId: order.couponId, userId: order.userId, orderId });
    if (order.paidAmount > 0)
      await movePoints(tx, { userId: order.userId, type: 'REFUND', amount: order.paidAmount, orderId, at });
    await recordStockMovements(tx, orderId, items, 1, at);
    const cancelled = toOrderView({ ...order, status: 'CANCELLED' }, items);
    await insertEvent(tx, 'order.cancelled', cancelled, at);
    return { view: cancelled, reservationId: order.reservationId };
  });
  const restock = { orderId, createdAt: Date.parse(view.createdAt), reservationId, items: view.items };
  await afterCommit(deps.logger, { orderId }, [
    finishRestock(deps, restock),
    enqueueDelivery(deps, eventIdOf(orderId, 'order.cancelled')),
  ]);
  return view;
}

/** Live stock back and sales uncounted (idempotent), then the durable mark that it happened. */
export async function finishRestock(deps: Deps, order: RestockOrder): Promise<void> {
  await restockOrder(deps, order);
  await markRestocked(deps.db, order.orderId, new Date(deps.clock.now()));
}
