import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { productOptions, products } from '../db/schema/index.ts';

export type ProductRow = typeof products.$inferSelect;
export type OptionRow = typeof productOptions.$inferSelect;

export async function findProduct(
  db: Executor,
  id: number,
): Promise<{ product: ProductRow; options: OptionRow[] } | null> {
  const [product] = await db.select().from(products).where(eq(products.id, id));
  if (!product) return null;
  const options = await db
    .select()
    .from(productOptions)
    .where(eq(productOptions.productId, id))
    .orderBy(asc(productOptions.position));
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

/** Each product's name among `ids` (unknown ids are absent). */
export async function productNames(db: Executor, ids: number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: products.id, name: products.name })
    .from(products)
    .where(inArray(products.id, ids));
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** A product and its options (positions in the given order); returns their ids. */
export async function insertProduct(
  tx: Executor,
  row: { name: string; description: string | null; createdAt: Date },
  options: { name: string; price: number; stock: number }[],
): Promise<{ id: number; optionIds: number[] }> {
  const [{ id }] = (await tx.insert(products).values(row).$returningId()) as [{ id: number }];
  const ids = (await tx
    .insert(productOptions)
    .values(options.map((o, position) => ({ ...o, productId: id, position })))
    .$returningId()) as { id: number }[];
  return { id, optionIds: ids.map((r) => r.id) };
}
