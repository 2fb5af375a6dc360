import { z } from '@hono/zod-openapi';
import { idParam } from '../lib/http.ts';

const Id = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const OrderParams = z.object({ orderId: idParam('orderId') });

export const NewOrder = z
  .object({
    items: z
      .array(z.object({ optionId: Id, quantity: z.number().int().min(1).max(100) }))
      .min(1)
      .max(20)
      .refine(
        (items) => new Set(items.map((i) => i.optionId)).size === items.length,
        'an option may appear at most once',
      ),
    couponId: Id.nullable().optional(),
  })
  .openapi('NewOrder', { example: { items: [{ optionId: 11, quantity: 2 }], couponId: 7 } });

export const Order = z
  .object({
    orderId: z.number().int(),
    userId: z.number().int(),
    status: z.enum(['PAID', 'CANCELLED']),
    items: z.array(
      z.object({
        productId: z.number().int(),
        optionId: z.number().int(),
        quantity: z.number().int(),
        unitPrice: z.number().int(),
      }),
    ),
    totalAmount: z.number().int(),
    discountAmount: z.number().int(),
    paidAmount: z.number().int(),
    couponId: z.number().int().nullable(),
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Order');

export type OrderView = z.infer<typeof Order>;
