import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { productOptions, products } from '../db/schema/index.ts';

export type ProductRow = typeof products.$inferSelect;
export type OptionRow = typeof productOptions.$inferSelect;

export async function findProduct(db: Executor, id: number): Promise<{ product: ProductRow; options: OptionRow[] } | null> {
  const [product] = await db.select().from(products).where(eq(products.id, id));
  if (!product) return null;
  const options = await db.select().from(productOptions).where(eq(productOptions.productId, id)).orderBy(asc(productOptions.position));
  return { product, options };
}

export async function findOptions(db: Executor, ids: number[]): Promise<OptionRow[]> {
  return ids.length === 0 ? [] : db.select().from(productOptions).where(inArray(productOptions.id, ids));
}

export function productPage(db: Executor, beforeId: number | null, limit: number) {
  return db
    .select({ id: products.id, name: products.name, description: products.description })
    .from(products)
    .where(beforeId === null ? undefined : lt(products.id, beforeId))
    .orderBy(desc(products.id))
    .limit(limit + 1);
}

/**
 * Moves an option's durable stock by `delta` if it stays within 0..max; false when that bound refuses it. The
 * durable stock includes the order movements not folded in yet (stock_ledger).
 */
export async function addDurableStock(db: Executor, optionId: number, delta: number, max: number): Promise<boolean> {
  const [res] = await db
    .update(productOptions)
    .set({ stock: sql`${productOptions.stock} + ${delta}` })
    .where(
      and(
        eq(productOptions.id, optionId),
        sql`${productOptions.stock} + ${delta} + (SELECT COALESCE(SUM(l.delta), 0) FROM stock_ledger l WHERE l.option_id = ${optionId} AND l.applied_at IS NULL) BETWEEN 0 AND ${max}`,
      ),
    );
  return res.affectedRows === 1;
}
