import { z } from '@hono/zod-openapi';
import { POINT_TYPES } from './balance.ts';

export const Balance = z.object({ userId: z.number().int(), balance: z.number().int() }).openapi('PointBalance');

export const ChargeBody = z
  .object({
    amount: z
      .number({ error: 'must be an integer' })
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(1_000_000, 'must be at most 1,000,000')
      .openapi({ example: 1000 }),
  })
  .openapi('PointCharge');

export const HistoryEntry = z
  .object({
    id: z.number().int(),
    type: z.enum(POINT_TYPES),
    amount: z.number().int().positive(),
    balanceAfter: z.number().int(),
    orderId: z.number().int().nullable(),
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('PointHistoryEntry');
