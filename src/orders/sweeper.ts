import type { Deps } from '../deps.ts';
import { confirmStock, releaseStock, salesOf, type RestockOrder } from './reservations.ts';
import {
  claimVoid,
  findOrder,
  findOrderByReservation,
  unrestockedCancellations,
  type ItemRow,
  type OrderRow,
} from './orders.repo.ts';
import { finishRestock } from './orders.service.ts';

/** What restocking a stored cancelled order needs. */
const restockOf = ({ order, items }: { order: OrderRow; items: ItemRow[] }): RestockOrder => ({
  orderId: order.id,
  createdAt: order.createdAt.getTime(),
  reservationId: order.reservationId,
  items,
});

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
    const outcome = await claimVoid(deps.db, rid, new Date(deps.clock.now()));
    const order = outcome === 'ORDER' ? await findOrderByReservation(deps.db, rid) : null;
    if (order?.order.status === 'CANCELLED') {
      // Cancelled before its confirmation ran: the restock closes the reservation uncounted (one outcome per order).
      await finishRestock(deps, restockOf(order));
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
  const ids = await unrestockedCancellations(deps.db, new Date(deps.clock.now() - olderThanMs), 500);
  for (const id of ids) {
    const found = await findOrder(deps.db, id);
    if (found) await finishRestock(deps, restockOf(found));
  }
  return ids.length;
}
