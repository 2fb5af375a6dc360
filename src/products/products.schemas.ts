import { z } from '@hono/zod-openapi';
import { idParam } from '../lib/http.ts';
import { Name, text } from '../lib/text.ts';

export const ProductParams = z.object({ productId: idParam('productId') });
export const OptionParams = z.object({ optionId: idParam('optionId') });

export const ProductSummary = z
  .object({ id: z.number().int(), name: z.string(), description: z.string().nullable() })
  .openapi('ProductSummary');

export const Option = z
  .object({
    id: z.number().int(),
    name: z.string(),
    price: z.number().int(),
    stock: z.number().int().openapi({ description: 'live sellable stock' }),
  })
  .openapi('ProductOption');

export const Product = ProductSummary.extend({ options: z.array(Option) }).openapi('Product');

export const NewProduct = z
  .object({
    name: Name,
    description: text(0, 1000).nullable().optional(),
    options: z
      .array(
        z.object({
          name: Name,
          price: z.number().int().min(0).max(10_000_000),
          stock: z.number().int().min(0).max(1_000_000),
        }),
      )
      .min(1)
      .max(50),
  })
  .openapi('NewProduct');

export const StockDelta = z
  .object({
    delta: z
      .number()
      .int()
      .min(-1_000_000)
      .max(1_000_000)
      .refine((d) => d !== 0, 'must not be 0'),
  })
  .openapi('StockDelta');

export const OptionWithProduct = z
  .object({
    id: z.number().int(),
    productId: z.number().int(),
    name: z.string(),
    price: z.number().int(),
    stock: z.number().int(),
  })
  .openapi('OptionStock');
