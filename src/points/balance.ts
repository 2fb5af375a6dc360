import { AppError } from '../lib/errors.ts';

export const BALANCE_LIMIT = 100_000_000;
/** The one list of point movements: the schema's enum and the API's zod enum use it. */
export const POINT_TYPES = ['CHARGE', 'USE', 'REFUND'] as const;
export type PointType = (typeof POINT_TYPES)[number];

/** The upper bound a movement must respect: charges and payments keep the limit; a refund always applies. */
export const upperBoundFor = (type: PointType) => (type === 'REFUND' ? Number.MAX_SAFE_INTEGER : BALANCE_LIMIT);

/** The balance after a movement; the only place the balance bounds are enforced. */
export function nextBalance(balance: number, type: PointType, amount: number): number {
  if (!Number.isSafeInteger(amount) || amount <= 0)
    throw new Error(`point amount must be a positive integer, got ${amount}`);
  const next = type === 'USE' ? balance - amount : balance + amount;
  if (next < 0) throw new AppError('INSUFFICIENT_POINTS', `Balance ${balance} is less than ${amount}`);
  if (next > upperBoundFor(type)) {
    throw new AppError('BALANCE_LIMIT_EXCEEDED', `A balance may not exceed ${BALANCE_LIMIT}`, {
      balance,
      amount,
      limit: BALANCE_LIMIT,
    });
  }
  return next;
}
