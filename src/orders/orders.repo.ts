import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import type { Executor, Tx } from '../db/client.ts';
import { orderEvents, orderItems, orders, reservationOutcomes, userCoupons } from '../db/schema/index.ts';
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
  const items = rows.length === 0 ? [] : await db.select().from(orderItems).where(inArray(orderItems.orderId, rows.map((r) => r.id)));
  return rows.map((r) => ({ ...r, items: items.filter((i) => i.orderId === r.id) }));
}

export type OrderEvent = 'order.paid' | 'order.cancelled';

/** The one builder of an event id: stable per order and event, so every retry carries the same X-Event-Id. */
export const eventIdOf = (orderId: number, event: OrderEvent) => `order-${orderId}-${event === 'order.paid' ? 'paid' : 'cancelled'}`;

export async function insertEvent(db: Executor, event: OrderEvent, view: OrderView, at: Date) {
  await insertEvents(db, [{ event, view, at }]);
  return eventIdOf(view.orderId, event);
}

/** Outbox rows for the data platform, one statement. */
export async function insertEvents(db: Executor, events: { event: OrderEvent; view: OrderView; at: Date }[]): Promise<void> {
  if (events.length === 0) return;
  await db.insert(orderEvents).values(
    events.map(({ event, view, at }) => ({
      eventId: eventIdOf(view.orderId, event),
      orderId: view.orderId,
      event,
      // The payload is stored as the exact bytes to send, so every retry carries the same body and signature.
      payload: JSON.stringify({ ...view, event }),
      createdAt: at,
    })),
  );
}

/** Reservations among `rids` that already have an outcome (the sweeper voided a very slow one). */
export async function settledReservations(tx: Tx, rids: string[]): Promise<Set<string>> {
  if (rids.length === 0) return new Set();
  const rows = await tx.select({ rid: reservationOutcomes.reservationId }).from(reservationOutcomes).where(inArray(reservationOutcomes.reservationId, rids));
  return new Set(rows.map((r) => r.rid));
}

/**
 * Claims each reservation for its order (outcome ORDER): the primary key lets only one of this and the
 * sweeper's VOID commit, so a duplicate here fails the batch, which is then decided again.
 */
export async function claimReservations(tx: Tx, rids: string[], at: Date): Promise<void> {
  if (rids.length > 0) await tx.insert(reservationOutcomes).values(rids.map((reservationId) => ({ reservationId, outcome: 'ORDER' as const, createdAt: at })));
}

export type NewOrderRow = typeof orders.$inferInsert & { reservationId: string };

/**
 * Inserts orders in one statement and returns each one's id by its reservation id (unique): ids from one
 * multi-row insert are not promised to be consecutive under every auto-increment mode, so they are read back.
 */
export async function insertOrders(tx: Tx, rows: NewOrderRow[]): Promise<Map<string, number>> {
  if (rows.length === 0) return new Map();
  await tx.insert(orders).values(rows);
  const ids = await tx.select({ id: orders.id, rid: orders.reservationId }).from(orders).where(inArray(orders.reservationId, rows.map((r) => r.reservationId)));
  return new Map(ids.map((r) => [r.rid, r.id]));
}

export async function insertItems(tx: Tx, rows: (typeof orderItems.$inferInsert)[]): Promise<void> {
  if (rows.length > 0) await tx.insert(orderItems).values(rows);
}
