import type { Deps } from '../deps.ts';
import { iso } from '../lib/clock.ts';
import { AppError } from '../lib/errors.ts';
import type { Recorder } from '../lib/idempotency.ts';
import { toPage, type Page } from '../lib/pagination.ts';
import { findBalance, historyPage } from './points.repo.ts';

export type Balance = { userId: number; balance: number };

export async function getBalance(deps: Deps, userId: number): Promise<Balance> {
  const balance = await findBalance(deps.db, userId);
  if (balance === null) throw new AppError('USER_NOT_FOUND');
  return { userId, balance };
}

/**
 * Through the group committer (src/payments), with the paid orders: wallet locked, balance raised within its
 * limit, one CHARGE row, the idempotent answer stored, all in the batch's one transaction.
 */
export async function chargePoints(deps: Deps, userId: number, amount: number, record?: Recorder): Promise<Balance> {
  return (await deps.payments.submit({
    kind: 'charge',
    userId,
    amount,
    at: new Date(deps.clock.now()),
    record,
  })) as Balance;
}

export async function listHistory(deps: Deps, userId: number, page: Page) {
  if ((await findBalance(deps.readDb, userId)) === null) throw new AppError('USER_NOT_FOUND');
  const rows = await historyPage(deps.readDb, userId, page.beforeId, page.limit);
  return toPage(rows, page, (r) => ({
    id: r.id,
    type: r.type,
    amount: r.amount,
    balanceAfter: r.balanceAfter,
    orderId: r.orderId,
    createdAt: iso(r.createdAt),
  }));
}
