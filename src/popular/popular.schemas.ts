import { z } from '@hono/zod-openapi';

const Timestamp = z.string().openapi({ format: 'date-time' });

/** The snapshot `GET /products/popular` answers; its TypeScript type is inferred from it. */
export const Popular = z
  .object({
    items: z.array(
      z.object({ rank: z.number().int(), productId: z.number().int(), name: z.string(), salesCount: z.number().int() }),
    ),
    window: z.object({ from: Timestamp, to: Timestamp }),
    computedAt: Timestamp,
  })
  .openapi('PopularProducts');

export type PopularSnapshot = z.infer<typeof Popular>;
