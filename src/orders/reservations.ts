import type { Deps } from '../deps.ts';
import { hourOf, SALES_TTL_S } from '../popular/sales-hours.ts';
import { ReleaseCode, ReserveCode, RestockCode } from '../redis/codes.ts';

/**
 * An order's stock reservation in Redis, from reserve to its end: confirmed (sold, counted in its sales hour),
 * released (the order failed or never came), or restocked (the order was cancelled). Each step is one Lua script
 * and safe to repeat.
 */

/** how long a cancelled order's restock marker is kept (the repair job looks back less than this) */
export const RESTOCK_MARK_TTL_S = 7 * 86_400;

export type StockItem = { optionId: number; quantity: number };
export type ReserveResult = { ok: true } | { ok: false; reason: 'OUT_OF_STOCK' | 'MISSING'; index: number };

/** lua/reserve-stock.lua: every item or none. */
export async function reserveStock(deps: Deps, rid: string, items: StockItem[], now: number): Promise<ReserveResult> {
  const k = deps.keys;
  const keys = [k.reservations, k.reservation(rid), ...items.map((i) => k.optionStock(i.optionId))];
  const args = [now, rid, ...items.flatMap((i) => [i.optionId, i.quantity])];
  const [code, index = 0] = await deps.redis.reserveStock(keys.length, ...keys, ...args);
  if (code === ReserveCode.Reserved) return { ok: true };
  if (code === ReserveCode.OutOfStock) return { ok: false, reason: 'OUT_OF_STOCK', index: index - 1 };
  if (code === ReserveCode.NoStockKey) return { ok: false, reason: 'MISSING', index: index - 1 };
  throw new Error(`unexpected reserve-stock reply ${code}`);
}

/** lua/release-stock.lua, with the options read from the reservation itself. Idempotent. */
export async function releaseStock(deps: Deps, rid: string): Promise<boolean> {
  const k = deps.keys;
  const optionIds = Object.keys(await deps.redis.hgetall(k.reservation(rid)));
  const keys = [k.reservations, k.reservation(rid), ...optionIds.map((id) => k.optionStock(Number(id)))];
  return (await deps.redis.releaseStock(keys.length, ...keys, rid, ...optionIds)) === ReleaseCode.Released;
}

/** Units per product of an order's items: what confirming it counts in its sales hour. */
export function salesOf(items: { productId: number; quantity: number }[]): { productId: number; units: number }[] {
  const units = new Map<number, number>();
  for (const i of items) units.set(i.productId, (units.get(i.productId) ?? 0) + i.quantity);
  return [...units].map(([productId, n]) => ({ productId, units: n }));
}

export type Confirmation = { rid: string; orderCreatedAt: number; sales: { productId: number; units: number }[] };

/**
 * lua/confirm-stock.lua: each reservation is sold, its units counted in its order's sales hour; one call for a
 * whole batch. Idempotent. Returns how many were confirmed by this call.
 */
export async function confirmStocks(deps: Deps, orders: Confirmation[]): Promise<number> {
  if (orders.length === 0) return 0;
  const k = deps.keys;
  const keys = [
    k.reservations,
    ...orders.flatMap((o) => [k.reservation(o.rid), k.salesHour(hourOf(o.orderCreatedAt))]),
  ];
  const args = [
    SALES_TTL_S,
    orders.length,
    ...orders.flatMap((o) => [o.rid, o.sales.length, ...o.sales.flatMap((s) => [s.productId, s.units])]),
  ];
  return deps.redis.confirmStock(keys.length, ...keys, ...args);
}

/** One reservation confirmed (see confirmStocks); true when this call confirmed it. */
export async function confirmStock(
  deps: Deps,
  rid: string,
  orderCreatedAt: number,
  sales: { productId: number; units: number }[],
) {
  return (await confirmStocks(deps, [{ rid, orderCreatedAt, sales }])) === 1;
}

export type RestockOrder = {
  orderId: number;
  createdAt: number;
  reservationId: string;
  items: { optionId: number; productId: number; quantity: number }[];
};

/**
 * lua/restock-order.lua: a cancelled order's units back on sale and out of its sales hour (or, when its
 * reservation was never confirmed, the reservation closed uncounted). Idempotent.
 */
export async function restockOrder(deps: Deps, order: RestockOrder) {
  const k = deps.keys;
  const hour = hourOf(order.createdAt);
  const inWindow = hour > hourOf(deps.clock.now()) - 72 ? 1 : 0;
  const keys = [
    k.restocked(order.orderId),
    k.salesHour(hour),
    k.reservations,
    k.reservation(order.reservationId),
    ...order.items.map((i) => k.optionStock(i.optionId)),
  ];
  const args = [
    RESTOCK_MARK_TTL_S,
    inWindow,
    order.reservationId,
    ...order.items.flatMap((i) => [i.quantity, i.productId]),
  ];
  return (await deps.redis.restockOrder(keys.length, ...keys, ...args)) === RestockCode.Restocked;
}
