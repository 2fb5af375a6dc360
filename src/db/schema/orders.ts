import { index, int, mysqlEnum, mysqlTable, text, uniqueIndex, varbinary } from 'drizzle-orm/mysql-core';
import { id, money, pk, ts } from './columns.ts';

export const orders = mysqlTable(
  'orders',
  {
    id: pk(),
    userId: id('user_id').notNull(),
    status: mysqlEnum('status', ['PAID', 'CANCELLED']).notNull(),
    totalAmount: money('total_amount').notNull(),
    discountAmount: money('discount_amount').notNull(),
    paidAmount: money('paid_amount').notNull(),
    couponId: id('coupon_id'),
    /** identifiers are VARBINARY so they compare exactly, never by a case-insensitive collation */
    reservationId: varbinary('reservation_id', { length: 40 }).notNull(),
    createdAt: ts('created_at').notNull(),
    cancelledAt: ts('cancelled_at'),
    /** set once a cancelled order's units are back in Redis; a job repairs cancellations a crash left without it */
    restockedAt: ts('restocked_at'),
  },
  (t) => [index('orders_user_idx').on(t.userId, t.id), uniqueIndex('orders_reservation_uq').on(t.reservationId)],
);

export const orderItems = mysqlTable(
  'order_items',
  {
    id: pk(),
    orderId: id('order_id').notNull(),
    position: int('position').notNull(),
    productId: id('product_id').notNull(),
    optionId: id('option_id').notNull(),
    quantity: int('quantity').notNull(),
    unitPrice: money('unit_price').notNull(),
  },
  (t) => [index('order_items_order_idx').on(t.orderId, t.position)],
);

/** Transactional outbox for the data platform: written with the order, delivered by a BullMQ job. */
export const orderEvents = mysqlTable(
  'order_events',
  {
    id: pk(),
    eventId: varbinary('event_id', { length: 64 }).notNull(),
    orderId: id('order_id').notNull(),
    event: mysqlEnum('event', ['order.paid', 'order.cancelled']).notNull(),
    payload: text('payload').notNull(),
    createdAt: ts('created_at').notNull(),
    deliveredAt: ts('delivered_at'),
    attempts: int('attempts').notNull().default(0),
  },
  (t) => [
    uniqueIndex('order_events_event_uq').on(t.eventId),
    index('order_events_pending_idx').on(t.deliveredAt, t.id),
  ],
);

/**
 * Settles each stock reservation exactly once: the order transaction writes ORDER, the sweeper writes VOID,
 * and the primary key lets only the first of them commit.
 */
export const reservationOutcomes = mysqlTable('reservation_outcomes', {
  reservationId: varbinary('reservation_id', { length: 40 }).primaryKey(),
  outcome: mysqlEnum('outcome', ['ORDER', 'VOID']).notNull(),
  createdAt: ts('created_at').notNull(),
});
