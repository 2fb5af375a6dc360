import { and, desc, eq, lt } from 'drizzle-orm';
import type { Executor, Tx } from '../db/client.ts';
import { pointHistory, pointWallets } from '../db/schema/index.ts';
import { AppError } from '../lib/errors.ts';
import { nextBalance, type PointType } from './balance.ts';

export async function findBalance(db: Executor, userId: number): Promise<number | null> {
  const [row] = await db.select({ balance: pointWallets.balance }).from(pointWallets).where(eq(pointWallets.userId, userId));
  return row ? row.balance : null;
}

/**
 * Moves points inside the caller's transaction: locks the wallet row, applies the bounds, writes exactly one
 * history row. Charges, order payments and refunds all go through here.
 */
export async function movePoints(
  tx: Tx,
  move: { userId: number; type: PointType; amount: number; orderId?: number | null; at: Date },
): Promise<number> {
  const [wallet] = await tx
    .select({ balance: pointWallets.balance })
    .from(pointWallets)
    .where(eq(pointWallets.userId, move.userId))
    .for('update');
  if (!wallet) throw new AppError('USER_NOT_FOUND');
  const balance = nextBalance(wallet.balance, move.type, move.amount);
  await tx.update(pointWallets).set({ balance, updatedAt: move.at }).where(eq(pointWallets.userId, move.userId));
  await tx.insert(pointHistory).values({
    userId: move.userId,
    type: move.type,
    amount: move.amount,
    balanceAfter: balance,
    orderId: move.orderId ?? null,
    createdAt: move.at,
  });
  return balance;
}

export function historyPage(db: Executor, userId: number, beforeId: number | null, limit: number) {
  return db
    .select()
    .from(pointHistory)
    .where(and(eq(pointHistory.userId, userId), beforeId === null ? undefined : lt(pointHistory.id, beforeId)))
    .orderBy(desc(pointHistory.id))
    .limit(limit + 1);
}
