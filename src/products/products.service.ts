import { randomUUID } from 'node:crypto';
import { inTransaction } from '../db/client.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../lib/errors.ts';
import { toPage, type Page } from '../lib/pagination.ts';
import { cachedProduct } from './catalog.ts';
import {
  addDurableStock,
  findOptions,
  insertProduct,
  productPage,
  type OptionRow,
  type ProductRow,
} from './products.repo.ts';
import { AdjustCode, RESEND_MARKER_TTL_S } from '../redis/codes.ts';
import { liveStock, restoreOptionStock } from './stock.ts';

export const STOCK_LIMIT = 1_000_000;

export type NewProductInput = {
  name: string;
  description?: string | null | undefined;
  options: { name: string; price: number; stock: number }[];
};

/**
 * Concurrent reads of one product share one in-flight stock read: under a crowd on a product page that turns
 * a Redis call per request into one per round trip, and the answer is never older than that round trip.
 */
function sharedStock(deps: Deps, productId: number, optionIds: number[]): Promise<number[]> {
  const reads = deps.caches.stockReads;
  let read = reads.get(productId);
  if (!read) {
    read = liveStock(deps, optionIds).finally(() => reads.delete(productId));
    reads.set(productId, read);
  }
  return read;
}

async function productView(deps: Deps, product: ProductRow, options: OptionRow[]) {
  const stock = await sharedStock(
    deps,
    product.id,
    options.map((o) => o.id),
  );
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    options: options.map((o, i) => ({ id: o.id, name: o.name, price: o.price, stock: stock[i]! })),
  };
}

/** The product and its options in one transaction, then each option's live stock in Redis. */
export async function createProduct(deps: Deps, input: NewProductInput) {
  const row = { name: input.name, description: input.description ?? null, createdAt: new Date(deps.clock.now()) };
  const { id, optionIds } = await inTransaction(deps.db, (tx) => insertProduct(tx, row, input.options));
  const product = { id, ...row };
  const options = input.options.map((o, position) => ({ ...o, productId: id, position, id: optionIds[position]! }));
  await restoreOptionStock(
    deps,
    options.map((o) => o.id),
  );
  return productView(deps, product, options);
}

export async function getProduct(deps: Deps, productId: number) {
  const found = await cachedProduct(deps, productId);
  if (!found) throw new AppError('PRODUCT_NOT_FOUND');
  return productView(deps, found.product, found.options);
}

export async function listProducts(deps: Deps, page: Page) {
  const rows = await productPage(deps.readDb, page.beforeId, page.limit);
  return toPage(rows, page, (r) => r);
}

/**
 * An admin correction: the live stock moves first, within bounds (lua/adjust-stock.lua), then the durable stock
 * under the same bounds; if MySQL refuses, the live change is undone. Both Redis calls carry a request id, so a
 * resend after a lost reply never moves the stock twice.
 */
export async function adjustOptionStock(deps: Deps, optionId: number, delta: number) {
  const [option] = await findOptions(deps.db, [optionId]);
  if (!option) throw new AppError('PRODUCT_NOT_FOUND', 'Option not found');
  const key = deps.keys.optionStock(optionId);
  const requestId = randomUUID();
  const adjust = (id: string, by: number, bounded: 0 | 1) =>
    deps.redis.adjustStock(key, deps.keys.stockAdjusted(id), by, STOCK_LIMIT, RESEND_MARKER_TTL_S, bounded);
  let [code, stock = 0] = await adjust(requestId, delta, 1);
  if (code === AdjustCode.NoStockKey) {
    await restoreOptionStock(deps, [optionId]);
    [code, stock = 0] = await adjust(requestId, delta, 1);
  }
  const refusal = adjustRefusal(code);
  if (refusal) throw refusal;
  try {
    const applied = await addDurableStock(deps.db, optionId, delta, STOCK_LIMIT);
    if (!applied) throw delta < 0 ? adjustRefusal(AdjustCode.BelowZero)! : adjustRefusal(AdjustCode.AboveLimit)!;
  } catch (err) {
    await adjust(`${requestId}:undo`, -delta, 0);
    throw err;
  }
  return { id: option.id, productId: option.productId, name: option.name, price: option.price, stock };
}

/** The contract's refusal for an adjust-stock code, by the code itself; null when it was applied. */
function adjustRefusal(code: number): AppError | null {
  switch (code) {
    case AdjustCode.Adjusted:
      return null;
    case AdjustCode.BelowZero:
      return new AppError('OUT_OF_STOCK', 'Stock would go below 0');
    case AdjustCode.AboveLimit:
      return new AppError('STOCK_LIMIT_EXCEEDED', `Stock may not exceed ${STOCK_LIMIT}`);
    default:
      return new AppError('INTERNAL', `unexpected adjust-stock reply ${code}`);
  }
}
