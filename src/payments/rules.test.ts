import { describe, expect, it } from 'vitest';
import { decideBatch, type HeldCopy, type Movement } from './rules.ts';

const line = (unitPrice: number, quantity = 1) => ({ productId: 1, optionId: 11, quantity, unitPrice });
const now = Date.parse('2026-12-01T00:00:00Z');
const copy = (rowId: number, status: HeldCopy['status'] = 'AVAILABLE', expiresAt = now + 86_400_000): HeldCopy => ({
  rowId,
  status,
  expiresAt: new Date(expiresAt),
});

describe('decideBatch', () => {
  it('decides in arrival order against the balance earlier movements left', () => {
    const moves: Movement[] = [
      { kind: 'order', userId: 1, lines: [line(600)], couponId: null },
      { kind: 'order', userId: 1, lines: [line(600)], couponId: null },
      { kind: 'charge', userId: 1, amount: 1_000 },
      { kind: 'order', userId: 1, lines: [line(600)], couponId: null },
    ];
    const { decisions, balances } = decideBatch(moves, {
      balances: new Map([[1, 1_000]]),
      copies: new Map(),
      coupons: new Map(),
      now,
    });
    expect(decisions.map((d) => (d.ok ? d.balanceAfter : d.error.code))).toEqual([
      400,
      'INSUFFICIENT_POINTS',
      1_400,
      800,
    ]);
    expect(balances.get(1)).toBe(800);
  });

  it('uses one copy of a coupon once, however many orders of the batch name it', () => {
    const moves: Movement[] = [
      { kind: 'order', userId: 2, lines: [line(1_000)], couponId: 7 },
      { kind: 'order', userId: 2, lines: [line(1_000)], couponId: 7 },
    ];
    const { decisions } = decideBatch(moves, {
      balances: new Map([[2, 10_000]]),
      copies: new Map([['7:2', copy(70)]]),
      coupons: new Map([[7, { discountType: 'PERCENT', discountValue: 15 }]]),
      now,
    });
    expect(decisions[0]).toMatchObject({
      ok: true,
      discountAmount: 150,
      paidAmount: 850,
      copyRowId: 70,
      balanceAfter: 9_150,
    });
    expect(decisions[1]).toMatchObject({ ok: false, error: { code: 'COUPON_NOT_USABLE' } });
  });

  it('refuses unknown users, used or expired copies, and charges over the limit, changing nothing for the others', () => {
    const moves: Movement[] = [
      { kind: 'order', userId: 99, lines: [line(0)], couponId: null },
      { kind: 'order', userId: 3, lines: [line(10)], couponId: 8 },
      { kind: 'order', userId: 3, lines: [line(10)], couponId: 9 },
      { kind: 'charge', userId: 3, amount: 100_000_000 },
      { kind: 'order', userId: 3, lines: [line(0)], couponId: null },
    ];
    const { decisions, balances } = decideBatch(moves, {
      balances: new Map([[3, 50]]),
      copies: new Map([
        ['8:3', copy(80, 'USED')],
        ['9:3', copy(90, 'AVAILABLE', now)],
      ]),
      coupons: new Map([
        [8, { discountType: 'FIXED', discountValue: 5 }],
        [9, { discountType: 'FIXED', discountValue: 5 }],
      ]),
      now,
    });
    expect(decisions.map((d) => (d.ok ? 'ok' : d.error.code))).toEqual([
      'USER_NOT_FOUND',
      'COUPON_NOT_USABLE',
      'COUPON_NOT_USABLE',
      'BALANCE_LIMIT_EXCEEDED',
      'ok',
    ]);
    expect(balances.get(3)).toBe(50);
  });
});
