import { index, mysqlEnum, mysqlTable } from 'drizzle-orm/mysql-core';
import { id, money, pk, ts } from './columns.ts';

/** One row per user, locked FOR UPDATE by every balance change. */
export const pointWallets = mysqlTable('point_wallets', {
  userId: id('user_id').primaryKey(),
  balance: money('balance').notNull().default(0),
  updatedAt: ts('updated_at').notNull(),
});

import { POINT_TYPES } from '../../points/balance.ts';

/** Append-only; a wallet's balance always equals the signed sum of its rows. */
export const pointHistory = mysqlTable(
  'point_history',
  {
    id: pk(),
    userId: id('user_id').notNull(),
    type: mysqlEnum('type', POINT_TYPES).notNull(),
    amount: money('amount').notNull(),
    balanceAfter: money('balance_after').notNull(),
    orderId: id('order_id'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('point_history_user_id_idx').on(t.userId, t.id)],
);
