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
