import { z } from '@hono/zod-openapi';
import { idParam } from '../lib/http.ts';
import { Name } from '../lib/text.ts';
import { DISCOUNT_TYPES } from './coupon-rules.ts';

const Timestamp = z.string().openapi({ format: 'date-time', example: '2026-11-25T05:00:00.000Z' });
const DiscountType = z.enum(DISCOUNT_TYPES);

export const CouponParams = z.object({ couponId: idParam('couponId') });

export const NewCoupon = z
  .object({
    name: Name,
    discountType: DiscountType,
    discountValue: z
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .openapi({ description: 'FIXED: 1..10,000,000 points; PERCENT: 1..100' }),
    totalQuantity: z.number().int().min(1).max(10_000_000),
    issueStartsAt: z.iso
      .datetime({ offset: true })
      .nullable()
      .optional()
      .openapi({ description: 'inclusive; absent or null = open' }),
    issueEndsAt: z.iso
      .datetime({ offset: true })
      .nullable()
      .optional()
      .openapi({ description: 'exclusive; absent or null = open' }),
    validDays: z.number().int().min(1).max(3650),
  })
  .superRefine((c, ctx) => {
    if (c.discountType === 'PERCENT' && c.discountValue > 100) {
      ctx.addIssue({ code: 'custom', path: ['discountValue'], message: 'a PERCENT discount is 1..100' });
    }
    if (c.issueStartsAt && c.issueEndsAt && Date.parse(c.issueStartsAt) >= Date.parse(c.issueEndsAt)) {
      ctx.addIssue({ code: 'custom', path: ['issueEndsAt'], message: 'must be after issueStartsAt' });
    }
  })
  .openapi('NewCoupon');

export const Coupon = z
  .object({
    id: z.number().int(),
    name: z.string(),
    discountType: DiscountType,
    discountValue: z.number().int(),
    totalQuantity: z.number().int(),
    issueStartsAt: Timestamp.nullable(),
    issueEndsAt: Timestamp.nullable(),
    validDays: z.number().int(),
    createdAt: Timestamp,
  })
  .openapi('Coupon');

export const CouponStatus = Coupon.extend({
  issuedCount: z.number().int().openapi({ description: 'copies issued (live, Redis)' }),
  remaining: z.number().int().openapi({ description: 'copies left (live, Redis)' }),
  persistedCount: z.number().int().openapi({ description: 'issued copies already in MySQL' }),
}).openapi('CouponStatus');

export const IssuedCoupon = z
  .object({
    couponId: z.number().int(),
    userId: z.number().int(),
    status: z.literal('AVAILABLE'),
    issuedAt: Timestamp,
    expiresAt: Timestamp,
  })
  .openapi('IssuedCoupon');

export const UserCoupon = z
  .object({
    couponId: z.number().int(),
    name: z.string(),
    discountType: DiscountType,
    discountValue: z.number().int(),
    status: z.enum(['AVAILABLE', 'USED', 'EXPIRED']),
    issuedAt: Timestamp,
    expiresAt: Timestamp,
    usedAt: Timestamp.nullable(),
  })
  .openapi('UserCoupon');
