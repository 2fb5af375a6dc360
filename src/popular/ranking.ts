import { HOUR_MS, hourOf } from './sales-hours.ts';

export const WINDOW_HOURS = 72;
export const TOP_N = 5;

/** The 72 whole UTC hours ending with the current one: from = start of the current hour − 71 h. */
export function windowOf(now: number) {
  const current = hourOf(now);
  const hours = Array.from({ length: WINDOW_HOURS }, (_, i) => current - (WINDOW_HOURS - 1) + i);
  return { hours, from: hours[0]! * HOUR_MS };
}

/** Highest count first; equal counts rank the lower productId first; no sales, no rank. */
export function rank(counts: { productId: number; salesCount: number }[], n = TOP_N) {
  return counts
    .filter((c) => c.salesCount > 0)
    .sort((a, b) => b.salesCount - a.salesCount || a.productId - b.productId)
    .slice(0, n)
    .map((c, i) => ({ rank: i + 1, ...c }));
}
