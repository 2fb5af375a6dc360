import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db, Executor } from '../db/client.ts';
import { productOptions, stockLedger } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';

/** Records stock movements in the caller's transaction: new rows only, so concurrent orders never wait on each other. */
export async function recordStockMovements(
  tx: Executor,
  orderId: number,
  items: { optionId: number; quantity: number }[],
  sign: 1 | -1,
  at: Date,
) {
  await tx
    .insert(stockLedger)
    .values(items.map((i) => ({ optionId: i.optionId, delta: sign * i.quantity, orderId, createdAt: at })));
}

/** Durable stock (received − sold) of each option: the folded row plus the movements not folded in yet. */
export async function durableStock(db: Executor, optionIds?: number[]): Promise<Map<number, number>> {
  const pending = db
    .select({ optionId: stockLedger.optionId, delta: sql<string>`SUM(${stockLedger.delta})`.as('delta') })
    .from(stockLedger)
    .where(isNull(stockLedger.appliedAt))
    .groupBy(stockLedger.optionId)
    .as('pending');
  const rows = await db
    .select({ id: productOptions.id, stock: sql<string>`${productOptions.stock} + COALESCE(${pending.delta}, 0)` })
    .from(productOptions)
    .leftJoin(pending, eq(pending.optionId, productOptions.id))
    .where(optionIds ? inArray(productOptions.id, optionIds) : undefined);
  return new Map(rows.map((r) => [r.id, Number(r.stock)]));
}

/**
 * Folds unapplied movements into product_options, a batch per transaction. SKIP LOCKED keeps concurrent
 * appliers off each other's rows, and each batch is claimed (applied_at set) before any stock moves: if a row was
 * claimed by someone else in between, the whole batch rolls back and is read again, so a movement can never be
 * applied twice. Returns the number of movements applied.
 */
export async function applyStockLedger(deps: Pick<Deps, 'db' | 'clock'> & { db: Db }, batch = 5_000): Promise<number> {
  let applied = 0;
  for (let conflicts = 0; ; ) {
    let n: number;
    try {
      n = await deps.db.transaction(async (tx) => {
        const rows = await tx
          .select({ id: stockLedger.id, optionId: stockLedger.optionId, delta: stockLedger.delta })
          .from(stockLedger)
          .where(isNull(stockLedger.appliedAt))
          .orderBy(stockLedger.id)
          .limit(batch)
          .for('update', { skipLocked: true });
        if (rows.length === 0) return 0;
        const [claimed] = await tx
          .update(stockLedger)
          .set({ appliedAt: new Date(deps.clock.now()) })
          .where(
            and(
              inArray(
                stockLedger.id,
                rows.map((r) => r.id),
              ),
              isNull(stockLedger.appliedAt),
            ),
          );
        if (claimed.affectedRows !== rows.length) throw new LedgerConflict();
        const byOption = new Map<number, number>();
        for (const r of rows) byOption.set(r.optionId, (byOption.get(r.optionId) ?? 0) + r.delta);
        for (const [optionId, delta] of [...byOption].sort((a, b) => a[0] - b[0])) {
          await tx
            .update(productOptions)
            .set({ stock: sql`${productOptions.stock} + ${delta}` })
            .where(eq(productOptions.id, optionId));
        }
        return rows.length;
      });
    } catch (err) {
      if (!(err instanceof LedgerConflict) || ++conflicts > 10) throw err;
      continue;
    }
    applied += n;
    if (n < batch) return applied;
  }
}

class LedgerConflict extends Error {}
