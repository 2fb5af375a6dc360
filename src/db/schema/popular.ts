import { index, int, mysqlTable, primaryKey, varchar } from 'drizzle-orm/mysql-core';
import { id, pk, ts } from './columns.ts';

/** The statistics table of the seed design: one row per aggregation run... */
export const popularSnapshots = mysqlTable(
  'popular_snapshots',
  {
    id: pk(),
    windowFrom: ts('window_from').notNull(),
    windowTo: ts('window_to').notNull(),
    computedAt: ts('computed_at').notNull(),
  },
  (t) => [index('popular_snapshots_computed_idx').on(t.computedAt)],
);

/** ...and its ranked rows; the API reads only these (through the Redis snapshot). */
export const popularSnapshotItems = mysqlTable(
  'popular_snapshot_items',
  {
    snapshotId: id('snapshot_id').notNull(),
    rank: int('rank').notNull(),
    productId: id('product_id').notNull(),
    name: varchar('name', { length: 100 }).notNull(),
    salesCount: int('sales_count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.snapshotId, t.rank] })],
);
