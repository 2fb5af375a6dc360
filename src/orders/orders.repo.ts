import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { orderEvents, orderItems, orders } from '../db/schema/index.ts';
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
  const eventId = eventIdOf(view.orderId, event);
  // The payload is stored as the exact bytes to send, so every retry carries the same body and signature.
  await db.insert(orderEvents).values({ eventId, orderId: view.orderId, event, payload: JSON.stringify({ ...view, event }), createdAt: at });
  return eventId;
}
