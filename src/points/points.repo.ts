import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Executor, Tx } from '../db/client.ts';
import { pointHistory, pointWallets } from '../db/schema/index.ts';
import { AppError } from '../lib/errors.ts';
import { nextBalance, upperBoundFor, type PointType } from './balance.ts';

export async function findBalance(db: Executor, userId: number): Promise<number | null> {
  const [row] = await db
    .select({ balance: pointWallets.balance })
    .from(pointWallets)
    .where(eq(pointWallets.userId, userId));
  return row ? row.balance : null;
}

/**
 * Moves points inside the caller's transaction and writes exactly one history row: refunds (a cancel). Charges and
 * order payments go through the group committer (src/payments), which moves a batch's wallets together. The wallet row is changed by one conditional UPDATE that also hands back the new
 * balance (`LAST_INSERT_ID(expr)` comes back in the OK packet): one round trip instead of SELECT … FOR UPDATE
 * plus UPDATE, holding the row lock from the same moment. Only when it matches no row does a read say why.
 */
export async function movePoints(
  tx: Tx,
  move: { userId: number; type: PointType; amount: number; orderId?: number | null; at: Date },
): Promise<number> {
  const signed = move.type === 'USE' ? -move.amount : move.amount;
  const [res] = await tx
    .update(pointWallets)
    .set({ balance: sql`LAST_INSERT_ID(${pointWallets.balance} + ${signed})`, updatedAt: move.at })
    .where(
      and(
        eq(pointWallets.userId, move.userId),
        sql`${pointWallets.balance} + ${signed} BETWEEN 0 AND ${upperBoundFor(move.type)}`,
      ),
    );
  if (res.affectedRows !== 1) {
    const balance = await findBalance(tx, move.userId);
    if (balance === null) throw new AppError('USER_NOT_FOUND');
    nextBalance(balance, move.type, move.amount); // throws the rule that refused it
    throw new Error(`wallet ${move.userId} refused a move the rules allow`);
  }
  const balance = Number(res.insertId);
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
