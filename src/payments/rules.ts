import { AppError } from '../lib/errors.ts';
import { priceOrder, type Discount } from '../orders/pricing.ts';
import { nextBalance } from '../points/balance.ts';

export type Line = { productId: number; optionId: number; quantity: number; unitPrice: number };

/** What a batch decides about: paid orders (stock already reserved) and point charges, in arrival order. */
export type Movement =
  | { kind: 'order'; userId: number; lines: Line[]; couponId: number | null }
  | { kind: 'charge'; userId: number; amount: number };

/** A user's copy of a coupon as locked in the batch's transaction. */
export type HeldCopy = { rowId: number; status: 'AVAILABLE' | 'USED'; expiresAt: Date };

export type Decision =
  | {
      ok: true;
      kind: 'order';
      totalAmount: number;
      discountAmount: number;
      paidAmount: number;
      copyRowId: number | null;
      balanceAfter: number;
    }
  | { ok: true; kind: 'charge'; balanceAfter: number }
  | { ok: false; error: AppError };

export const copyKey = (couponId: number, userId: number) => `${couponId}:${userId}`;

/**
 * Decides each movement of a batch in arrival order against the wallets and coupon copies the batch locked,
 * exactly as one transaction per movement would: a later movement sees the balance an earlier one left, a copy
 * is used at most once, and a refusal changes nothing for the rest. Pure: the caller writes what it returns.
 */
export function decideBatch(
  movements: Movement[],
  state: { balances: Map<number, number>; copies: Map<string, HeldCopy>; coupons: Map<number, Discount>; now: number },
): { decisions: Decision[]; balances: Map<number, number> } {
  const balances = new Map(state.balances);
  const usedCopies = new Set<number>();
  const decisions = movements.map((m): Decision => {
    const balance = balances.get(m.userId);
    if (balance === undefined) return { ok: false, error: new AppError('USER_NOT_FOUND') };
    try {
      if (m.kind === 'charge') {
        const after = nextBalance(balance, 'CHARGE', m.amount);
        balances.set(m.userId, after);
        return { ok: true, kind: 'charge', balanceAfter: after };
      }
      let coupon: Discount | null = null;
      let copyRowId: number | null = null;
      if (m.couponId !== null) {
        const copy = state.copies.get(copyKey(m.couponId, m.userId));
        coupon = state.coupons.get(m.couponId) ?? null;
        if (
          !copy ||
          !coupon ||
          copy.status !== 'AVAILABLE' ||
          copy.expiresAt.getTime() <= state.now ||
          usedCopies.has(copy.rowId)
        ) {
          throw new AppError('COUPON_NOT_USABLE', 'The coupon is unknown, not held, used or expired', {
            couponId: m.couponId,
          });
        }
        copyRowId = copy.rowId;
      }
      const price = priceOrder(m.lines, coupon);
      const after = price.paidAmount > 0 ? nextBalance(balance, 'USE', price.paidAmount) : balance;
      balances.set(m.userId, after);
      if (copyRowId !== null) usedCopies.add(copyRowId);
      return { ok: true, kind: 'order', copyRowId, balanceAfter: after, ...price };
    } catch (err) {
      if (err instanceof AppError) return { ok: false, error: err };
      throw err;
    }
  });
  return { decisions, balances };
}
