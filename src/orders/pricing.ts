import type { DiscountType } from '../coupons/coupon-rules.ts';

export type Discount = { discountType: DiscountType; discountValue: number };

/** FIXED takes its value off, at most the total; PERCENT takes floor(total × value / 100). */
export function discountFor(total: number, coupon: Discount | null): number {
  if (!coupon) return 0;
  if (coupon.discountType === 'FIXED') return Math.min(coupon.discountValue, total);
  return Math.floor((total * coupon.discountValue) / 100);
}

export function priceOrder(lines: { unitPrice: number; quantity: number }[], coupon: Discount | null) {
  const totalAmount = lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0);
  const discountAmount = discountFor(totalAmount, coupon);
  return { totalAmount, discountAmount, paidAmount: totalAmount - discountAmount };
}
