import { index, int, mysqlEnum, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { id, money, pk, ts } from './columns.ts';

import { DISCOUNT_TYPES } from '../../coupons/coupon-rules.ts';

export const coupons = mysqlTable('coupons', {
  id: pk(),
  name: varchar('name', { length: 100 }).notNull(),
  discountType: mysqlEnum('discount_type', DISCOUNT_TYPES).notNull(),
  discountValue: money('discount_value').notNull(),
  totalQuantity: int('total_quantity').notNull(),
  issueStartsAt: ts('issue_starts_at'),
  issueEndsAt: ts('issue_ends_at'),
  validDays: int('valid_days').notNull(),
  createdAt: ts('created_at').notNull(),
});

/** EXPIRED is not stored: it is AVAILABLE past `expires_at`, computed when read. */
export const userCoupons = mysqlTable(
  'user_coupons',
  {
    id: pk(),
    couponId: id('coupon_id').notNull(),
    userId: id('user_id').notNull(),
    status: mysqlEnum('status', ['AVAILABLE', 'USED']).notNull(),
    issuedAt: ts('issued_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    orderId: id('order_id'),
  },
  // The unique key is what makes outbox replays harmless.
  (t) => [
    uniqueIndex('user_coupons_coupon_user_uq').on(t.couponId, t.userId),
    index('user_coupons_user_idx').on(t.userId, t.id),
  ],
);
