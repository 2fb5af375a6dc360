import { describe, expect, it } from 'vitest';
import { BALANCE_LIMIT, nextBalance } from './balance.ts';

describe('nextBalance', () => {
  it('adds charges and refunds, subtracts uses', () => {
    expect(nextBalance(10, 'CHARGE', 5)).toBe(15);
    expect(nextBalance(10, 'REFUND', 5)).toBe(15);
    expect(nextBalance(10, 'USE', 10)).toBe(0);
  });
  it('never goes below zero or above the limit', () => {
    expect(() => nextBalance(9, 'USE', 10)).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_POINTS' }));
    expect(nextBalance(BALANCE_LIMIT - 1, 'CHARGE', 1)).toBe(BALANCE_LIMIT);
    expect(() => nextBalance(BALANCE_LIMIT, 'CHARGE', 1)).toThrow(
      expect.objectContaining({ code: 'BALANCE_LIMIT_EXCEEDED' }),
    );
  });
});
