import { index, int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { id, money, pk, ts } from './columns.ts';

export const products = mysqlTable('products', {
  id: pk(),
  name: varchar('name', { length: 100 }).notNull(),
  description: varchar('description', { length: 1000 }),
  createdAt: ts('created_at').notNull(),
});

/** `stock` here is the durable stock: received minus sold. Redis holds the live stock (minus reservations). */
export const productOptions = mysqlTable(
  'product_options',
  {
    id: pk(),
    productId: id('product_id').notNull(),
    name: varchar('name', { length: 100 }).notNull(),
    price: money('price').notNull(),
    stock: int('stock').notNull(),
    position: int('position').notNull(),
  },
  (t) => [index('product_options_product_id_idx').on(t.productId, t.position)],
);

/**
 * Durable stock movements of orders and cancellations, written inside their transactions as new rows (no shared
 * row lock), folded into `product_options.stock` in batches by the apply-stock job. Durable stock is always
 * `product_options.stock` + the unapplied movements (src/products/stock-ledger.repo.ts).
 */
export const stockLedger = mysqlTable(
  'stock_ledger',
  {
    id: pk(),
    optionId: id('option_id').notNull(),
    delta: int('delta').notNull(),
    orderId: id('order_id').notNull(),
    createdAt: ts('created_at').notNull(),
    appliedAt: ts('applied_at'),
  },
  (t) => [index('stock_ledger_pending_idx').on(t.appliedAt, t.optionId)],
);
