import { and, count, desc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { orderEvents, orderItems, orders, reservationOutcomes } from '../db/schema/index.ts';
import { isDuplicateKey } from '../db/errors.ts';
import type { OrderView } from './orders.schemas.ts';

export type OrderRow = typeof orders.$inferSelect;
export type ItemRow = typeof orderItems.$inferSelect;

export function toOrderView(o: OrderRow, items: ItemRow[]): OrderView {
  return {
    orderId: o.id,
    userId: o.userId,
    status: o.status,
    items: [...items]
      .sort((a, b) => a.position - b.position)
      .map((i) => ({ productId: i.productId, optionId: i.optionId, quantity: i.quantity, unitPrice: i.unitPrice })),
    totalAmount: o.totalAmount,
    discountAmount: o.discountAmount,
    paidAmount: o.paidAmount,
    couponId: o.couponId,
    createdAt: o.createdAt.toISOString(),
  };
}

export async function findOrder(db: Executor, id: number, forUpdate = false) {
  const q = db.select().from(orders).where(eq(orders.id, id));
  const [order] = forUpdate ? await q.for('update') : await q;
  if (!order) return null;
  const items = await db.select().from(orderItems).where(eq(orderItems.orderId, id));
  return { order, items };
}

export async function findOrderByReservation(db: Executor, reservationId: string) {
  const [order] = await db.select({ id: orders.id }).from(orders).where(eq(orders.reservationId, reservationId));
  return order ? findOrder(db, order.id) : null;
}

export async function orderPage(db: Executor, userId: number, beforeId: number | null, limit: number) {
  const rows = await db
    .select()
    .from(orders)
    .where(and(eq(orders.userId, userId), beforeId === null ? undefined : lt(orders.id, beforeId)))
    .orderBy(desc(orders.id))
    .limit(limit + 1);
  const items =
    rows.length === 0
      ? []
      : await db
          .select()
          .from(orderItems)
          .where(
            inArray(
              orderItems.orderId,
              rows.map((r) => r.id),
            ),
          );
  return rows.map((r) => ({ ...r, items: items.filter((i) => i.orderId === r.id) }));
}

export type OrderEvent = 'order.paid' | 'order.cancelled';

/** The one builder of an event id: stable per order and event, so every retry carries the same X-Event-Id. */
export const eventIdOf = (orderId: number, event: OrderEvent) =>
  `order-${orderId}-${event === 'order.paid' ? 'paid' : 'cancelled'}`;

export async function insertEvent(db: Executor, event: OrderEvent, view: OrderView, at: Date) {
  const eventId = eventIdOf(view.orderId, event);
  // The payload is stored as the exact bytes to send, so every retry carries the same body and signature.
  await db
    .insert(orderEvents)
    .values({ eventId, orderId: view.orderId, event, payload: JSON.stringify({ ...view, event }), createdAt: at });
  return eventId;
}

export async function markCancelled(tx: Executor, orderId: number, at: Date): Promise<void> {
  await tx.update(orders).set({ status: 'CANCELLED', cancelledAt: at }).where(eq(orders.id, orderId));
}

/** The durable mark that a cancelled order's live stock is back. */
export async function markRestocked(db: Executor, orderId: number, at: Date): Promise<void> {
  await db.update(orders).set({ restockedAt: at }).where(eq(orders.id, orderId));
}

/** Cancelled orders whose live restock has not been marked done since before `before`. */
export async function unrestockedCancellations(db: Executor, before: Date, limit: number): Promise<number[]> {
  const rows = await db
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.status, 'CANCELLED'), isNull(orders.restockedAt), lt(orders.cancelledAt, before)))
    .limit(limit);
  return rows.map((r) => r.id);
}

/**
 * Claims a reservation for the sweeper (VOID) on the key the committer's ORDER row also takes: exactly one of the
 * two commits. Returns the reservation's outcome, the sweeper's or the one already there.
 */
export async function claimVoid(db: Executor, reservationId: string, at: Date): Promise<'ORDER' | 'VOID'> {
  try {
    await db.insert(reservationOutcomes).values({ reservationId, outcome: 'VOID', createdAt: at });
    return 'VOID';
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const [row] = await db
      .select()
      .from(reservationOutcomes)
      .where(eq(reservationOutcomes.reservationId, reservationId));
    return row?.outcome ?? 'VOID';
  }
}

export type EventRow = typeof orderEvents.$inferSelect;

export function findEvents(db: Executor, eventIds: string[]): Promise<EventRow[]> {
  return eventIds.length === 0
    ? Promise.resolve([])
    : db.select().from(orderEvents).where(inArray(orderEvents.eventId, eventIds));
}

/** One write for a delivery attempt of several events: each attempt counted, the delivered ones marked. */
export async function recordAttempts(db: Executor, ids: number[], deliveredAt: Date | null): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(orderEvents)
    .set(
      deliveredAt
        ? { attempts: sql`${orderEvents.attempts} + 1`, deliveredAt }
        : { attempts: sql`${orderEvents.attempts} + 1` },
    )
    .where(inArray(orderEvents.id, ids));
}

/** Ids of events still undelivered that were recorded before `before`. */
export async function undeliveredEvents(db: Executor, before: Date, limit: number): Promise<string[]> {
  const rows = await db
    .select({ eventId: orderEvents.eventId })
    .from(orderEvents)
    .where(and(isNull(orderEvents.deliveredAt), lt(orderEvents.createdAt, before)))
    .limit(limit);
  return rows.map((r) => r.eventId);
}

export async function countUndelivered(db: Executor): Promise<number> {
  const [row] = await db.select({ n: count() }).from(orderEvents).where(isNull(orderEvents.deliveredAt));
  return row?.n ?? 0;
}
