import { describe, expect, it } from 'vitest';
import { rank, windowOf } from './ranking.ts';

describe('rank', () => {
  it('orders by count, then the lower product id, drops zero and keeps five', () => {
    const counts = [7, 3, 9, 3, 0, 9, 1, 2].map((salesCount, i) => ({ productId: 10 - i, salesCount }));
    expect(rank(counts).map((r) => [r.rank, r.productId, r.salesCount])).toEqual([
      [1, 5, 9],
      [2, 8, 9],
      [3, 10, 7],
      [4, 7, 3],
      [5, 9, 3],
    ]);
    expect(rank([{ productId: 1, salesCount: 0 }])).toEqual([]);
  });
});

describe('windowOf', () => {
  it('covers 72 whole hours ending with the current one', () => {
    const now = Date.parse('2026-11-25T10:30:00Z');
    const w = windowOf(now);
    expect(w.hours).toHaveLength(72);
    expect(new Date(w.from).toISOString()).toBe('2026-11-22T11:00:00.000Z');
  });
});
