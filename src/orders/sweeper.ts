import { and, eq, isNull, lt } from 'drizzle-orm';
import { isDuplicateKey } from '../db/errors.ts';
import { orders, reservationOutcomes } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { confirmStock, releaseStock, salesOf } from '../products/stock.ts';
import { findOrder, findOrderByReservation } from './orders.repo.ts';
import { finishRestock } from './orders.service.ts';

/**
 * Invariant 7: returns the stock of reservations older than the timeout that never became an order (the API
 * died between reserve and commit). The VOID row races the order's ORDER row on one primary key, so a slow
 * order that did commit is confirmed instead, never released.
 */
export async function sweepReservations(deps: Deps, timeoutMs = deps.config.RESERVATION_TIMEOUT_MS) {
  const cutoff = deps.clock.now() - timeoutMs;
  const rids = await deps.redis.zrangebyscore(deps.keys.reservations, '-inf', cutoff, 'LIMIT', 0, 500);
  let released = 0;
  let confirmed = 0;
  for (const rid of rids) {
    let outcome: 'ORDER' | 'VOID' = 'VOID';
    try {
      await deps.db.insert(reservationOutcomes).values({ reservationId: rid, outcome: 'VOID', createdAt: new Date(deps.clock.now()) });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const [row] = await deps.db.select().from(reservationOutcomes).where(eq(reservationOutcomes.reservationId, rid));
      outcome = row?.outcome ?? 'VOID';
    }
    const order = outcome === 'ORDER' ? await findOrderByReservation(deps.db, rid) : null;
    if (order?.order.status === 'CANCELLED') {
      // Cancelled before its confirmation ran: the restock closes the reservation uncounted (one outcome per order).
      const { order: o, items } = order;
      await finishRestock(deps, { orderId: o.id, createdAt: o.createdAt.getTime(), reservationId: o.reservationId, items });
      confirmed++;
    } else if (order) {
      await confirmStock(deps, rid, order.order.createdAt.getTime(), salesOf(order.items));
      confirmed++;
    } else {
      await releaseStock(deps, rid);
      released++;
    }
  }
  return { released, confirmed };
}

/** Finishes cancellations whose live restock a crash interrupted (restock is idempotent, so re-running is safe). */
export async function repairRestocks(deps: Deps, olderThanMs = 10_000): Promise<number> {
  const rows = await deps.db
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.status, 'CANCELLED'), isNull(orders.restockedAt), lt(orders.cancelledAt, new Date(deps.clock.now() - olderThanMs))))
    .limit(500);
  for (const { id } of rows) {
    const found = await findOrder(deps.db, id);
    if (found) {
      const { order, items } = found;
      await finishRestock(deps, { orderId: order.id, createdAt: order.createdAt.getTime(), reservationId: order.reservationId, items });
    }
  }
  return rows.length;
}
