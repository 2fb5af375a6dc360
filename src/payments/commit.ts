import type { PoolConnection } from 'mysql2/promise';
import { type DiscountType, expiryOf } from '../coupons/coupon-rules.ts';
import { insertCopies } from '../coupons/coupons.repo.ts';
import { isDuplicateKey, isRetryableTxError } from '../db/errors.ts';
import { runStatements, stmt, textWithId, type Stmt } from '../db/statements.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../lib/errors.ts';
import type { Recorder } from '../lib/idempotency.ts';
import { eventIdOf, type OrderEvent } from '../orders/orders.repo.ts';
import type { OrderView } from '../orders/orders.schemas.ts';
import type { Balance } from '../points/points.service.ts';
import { confirmStocks, salesOf } from '../orders/reservations.ts';
import * as repo from './payments.repo.ts';
import type { OrderId, OrderIdPlan } from './payments.repo.ts';
import { copyKey, decideBatch, type Decision, type HeldCopy, type Line } from './rules.ts';

/** A paid order whose stock is reserved (`rid`), waiting for its transaction. */
export type OrderEntry = {
  kind: 'order';
  rid: string;
  userId: number;
  lines: Line[];
  couponId: number | null;
  at: Date;
  record?: Recorder | undefined;
};
/** A point charge waiting for its transaction. */
export type ChargeEntry = { kind: 'charge'; userId: number; amount: number; at: Date; record?: Recorder | undefined };
export type PaymentEntry = OrderEntry | ChargeEntry;
export type PaymentResult = OrderView | Balance;

/** A batch that lost a reservation to the sweeper, or a deadlock victim, is decided again from the start. */
const ATTEMPTS = 4;

/**
 * Commits a batch of paid orders and charges in one MySQL transaction, in two round trips: (1) begin, the
 * reservations already settled, the batch's wallets locked with one statement (user id order), the coupon copies
 * locked; then each movement is decided in code in arrival order (`decideBatch`); (2) reservation outcomes, orders,
 * items, used copies, ledger rows, outbox events, wallet balances, history rows, idempotent answers and COMMIT,
 * naming the new orders' ids from the INSERT's first id (`plan`; where ids of one INSERT may not be consecutive,
 * they are read back first, a third round trip). A refusal answers only its own entry; a failure of the
 * transaction (after its retries) fails the batch whole, and nothing of it is written.
 */
export async function commitPayments(
  deps: Deps,
  entries: PaymentEntry[],
  plan: OrderIdPlan,
): Promise<(PaymentResult | Error)[]> {
  for (let attempt = 1; ; attempt++) {
    const conn = await deps.paymentsPool.getConnection();
    let broken = false;
    try {
      const results = await commitInTx(deps, conn, entries, plan);
      settleAfterCommit(deps, entries, results);
      return results;
    } catch (err) {
      broken = (err as { fatal?: boolean }).fatal === true;
      if (!broken) await conn.query('ROLLBACK').catch(() => (broken = true));
      // A duplicate outcome row means the sweeper's VOID won a reservation: decided again, that order is refused.
      if (attempt >= ATTEMPTS || !(isRetryableTxError(err) || isDuplicateKey(err))) throw err;
      await new Promise((r) => setTimeout(r, 2 * attempt + Math.random() * 5));
    } finally {
      if (broken) conn.destroy();
      else conn.release();
    }
  }
}

type Row = Record<string, unknown>;

async function commitInTx(
  deps: Deps,
  conn: PoolConnection,
  entries: PaymentEntry[],
  plan: OrderIdPlan,
): Promise<(PaymentResult | Error)[]> {
  const now = deps.clock.now();
  const batchAt = new Date(now);
  const results: (PaymentResult | Error | undefined)[] = new Array(entries.length);

  // (1) begin; what is already settled; the wallets and coupon copies, locked.
  const rids = entries.flatMap((e) => (e.kind === 'order' ? [e.rid] : []));
  const userIds = [...new Set(entries.map((e) => e.userId))].sort((a, b) => a - b);
  const pairs = entries.flatMap((e) =>
    e.kind === 'order' && e.couponId !== null ? [{ couponId: e.couponId, userId: e.userId }] : [],
  );
  const phase1: Stmt[] = [stmt('START TRANSACTION'), repo.lockWallets(userIds)];
  if (rids.length > 0) phase1.push(repo.settledReservations(rids));
  if (pairs.length > 0)
    phase1.push(repo.findCoupons([...new Set(pairs.map((p) => p.couponId))]), repo.lockCopies(pairs));
  const [, walletRows, settledRows = [], couponRows = [], copyRows = []] = await runStatements<Row[]>(conn, phase1);
  const settled = new Set(settledRows.map((r) => String(r.rid)));
  const balances = new Map(walletRows!.map((r) => [Number(r.userId), Number(r.balance)]));
  const coupons = new Map(couponRows.map((r) => [Number(r.id), r as unknown as Coupon]));
  const copies = new Map<string, HeldCopy>();
  const keepCopies = (rows: Row[]) => {
    for (const r of rows)
      copies.set(copyKey(Number(r.couponId), Number(r.userId)), {
        rowId: Number(r.id),
        status: r.status as HeldCopy['status'],
        expiresAt: r.expiresAt as Date,
      });
  };
  keepCopies(copyRows);
  await lockCopiesStillInOutbox(deps, conn, pairs, coupons, copies, keepCopies);

  entries.forEach((e, i) => {
    if (e.kind === 'order' && settled.has(e.rid))
      results[i] = new AppError('SERVICE_UNAVAILABLE', 'The stock reservation expired; retry the order');
  });
  const live = entries.map((e, i) => ({ e, i })).filter(({ i }) => results[i] === undefined);
  const { decisions } = decideBatch(
    live.map(({ e }) => e),
    { balances, copies, coupons, now },
  );
  const paid: { e: OrderEntry; i: number; d: Extract<Decision, { kind: 'order' }> }[] = [];
  const charged: { e: ChargeEntry; i: number; d: Extract<Decision, { kind: 'charge' }> }[] = [];
  live.forEach(({ e, i }, j) => {
    const d = decisions[j]!;
    if (!d.ok) results[i] = d.error;
    else if (e.kind === 'order' && d.kind === 'order') paid.push({ e, i, d });
    else if (e.kind === 'charge' && d.kind === 'charge') charged.push({ e, i, d });
  });

  // (2) the orders (under the read-back plan, with their ids read back in a round trip of their own), then
  // everything else and COMMIT.
  const rest: Stmt[] = [];
  let idOf: (k: number) => OrderId = () => 0;
  let firstIdAt = -1; // where the consecutive plan's answer (first id, step) comes back
  if (paid.length > 0) {
    const paidRids = paid.map(({ e }) => e.rid);
    // Spreads go last in the per-order objects: V8 (Node 20) builds `{ ...x, more }` on a slow path, ~1-2 µs an
    // object against ~0.1 µs for `{ more, ...x }` (the keys never overlap here).
    const orderRows = paid.map(({ e, d }) => ({
      userId: e.userId,
      couponId: e.couponId,
      reservationId: e.rid,
      createdAt: e.at,
      ...d,
    }));
    rest.push(repo.claimReservations(paidRids, batchAt), repo.insertOrders(orderRows));
    if (plan.consecutive) {
      firstIdAt = rest.push(...repo.rememberFirstOrderId()) - 1;
      idOf = repo.nthOrderId;
    } else {
      const [, , idRows] = await runStatements<Row[]>(conn, [...rest.splice(0), repo.orderIdsOf(paidRids)]);
      const byRid = new Map(idRows!.map((r) => [String(r.rid), Number(r.id)]));
      idOf = (k) => byRid.get(paid[k]!.e.rid)!;
    }
  }
  const views = paid.map(({ e, d }, k) => {
    const id = idOf(k);
    const view: OrderView = {
      orderId: typeof id === 'number' ? id : 0, // set from the INSERT's first id once the server has answered
      userId: e.userId,
      status: 'PAID',
      items: e.lines.map((l) => ({
        productId: l.productId,
        optionId: l.optionId,
        quantity: l.quantity,
        unitPrice: l.unitPrice,
      })),
      totalAmount: d.totalAmount,
      discountAmount: d.discountAmount,
      paidAmount: d.paidAmount,
      couponId: e.couponId,
      createdAt: e.at.toISOString(),
    };
    return view;
  });
  paid.forEach(({ i }, k) => {
    results[i] = views[k];
  });
  for (const { e, i, d } of charged) results[i] = { userId: e.userId, balance: d.balanceAfter };
  // The views as JSON with each order's id in place, as text or as the server's CONCAT around it.
  const jsonOf = (k: number, extra?: { event: OrderEvent }) =>
    textWithId((orderId) => JSON.stringify(Object.assign({}, views[k], { orderId }, extra)), idOf(k));

  // Balances and history rows follow arrival order, so each row's balanceAfter is the balance right after it.
  if (paid.length > 0) {
    rest.push(
      repo.insertItems(
        paid.flatMap(({ e }, k) => e.lines.map((l, position) => ({ orderId: idOf(k), position, ...l }))),
      ),
      repo.recordMovements(
        paid.flatMap(({ e }, k) =>
          e.lines.map((l) => ({ optionId: l.optionId, delta: -l.quantity, orderId: idOf(k), createdAt: e.at })),
        ),
      ),
      repo.insertEvents(
        paid.map(({ e }, k) => ({
          eventId: textWithId((id) => eventIdOf(id, 'order.paid'), idOf(k)),
          orderId: idOf(k),
          event: 'order.paid',
          payload: jsonOf(k, { event: 'order.paid' }),
          createdAt: e.at,
        })),
      ),
    );
    const uses = paid.flatMap(({ d }, k) => (d.copyRowId === null ? [] : [{ rowId: d.copyRowId, orderId: idOf(k) }]));
    if (uses.length > 0) rest.push(repo.markCopiesUsed(uses, batchAt));
  }
  const kOf = new Map(paid.map(({ i }, k) => [i, k]));
  const moved = [...paid.filter(({ d }) => d.paidAmount > 0), ...charged].sort((a, b) => a.i - b.i);
  if (moved.length > 0) {
    const finalBalances = new Map(moved.map((m) => [m.e.userId, m.d.balanceAfter]));
    rest.push(
      repo.setBalances(finalBalances, batchAt),
      repo.insertHistory(
        moved.map((m) =>
          m.e.kind === 'order'
            ? {
                userId: m.e.userId,
                type: 'USE' as const,
                amount: (m.d as Extract<Decision, { kind: 'order' }>).paidAmount,
                balanceAfter: m.d.balanceAfter,
                orderId: idOf(kOf.get(m.i)!),
                createdAt: m.e.at,
              }
            : {
                userId: m.e.userId,
                type: 'CHARGE' as const,
                amount: m.e.amount,
                balanceAfter: m.d.balanceAfter,
                orderId: null,
                createdAt: m.e.at,
              },
        ),
      ),
    );
  }
  const answers = [
    ...paid.flatMap(({ e }, k) => (e.record ? [{ id: e.record.id, status: 201, body: jsonOf(k) }] : [])),
    ...charged.flatMap(({ e, i }) =>
      e.record ? [{ id: e.record.id, status: 200, body: JSON.stringify(results[i]) }] : [],
    ),
  ];
  if (answers.length > 0) rest.push(repo.storeAnswers(answers));
  rest.push(stmt('COMMIT'));
  const done = await runStatements<Row[]>(conn, rest);
  if (firstIdAt >= 0) {
    const { first, step } = done[firstIdAt]![0] as { first: number; step: number };
    views.forEach((view, k) => {
      view.orderId = Number(first) + k * Number(step);
    });
  }
  return results as (PaymentResult | Error)[];
}

type Coupon = { id: number; discountType: DiscountType; discountValue: number; validDays: number };

/**
 * A copy answered 201 moments ago may still be in the Redis outbox: it is written here from the issued hash, and
 * locked, so it is usable at once (one more round trip, only for such copies).
 */
async function lockCopiesStillInOutbox(
  deps: Deps,
  conn: PoolConnection,
  pairs: { couponId: number; userId: number }[],
  coupons: Map<number, Coupon>,
  copies: Map<string, HeldCopy>,
  keep: (rows: Row[]) => void,
) {
  const missing = pairs.filter((p) => !copies.has(copyKey(p.couponId, p.userId)) && coupons.has(p.couponId));
  if (missing.length === 0) return;
  const issued = await Promise.all(
    missing.map((p) => deps.redis.hget(deps.keys.couponIssued(p.couponId), String(p.userId))),
  );
  const rows = missing.flatMap((p, j) => {
    const at = issued[j];
    if (at == null) return [];
    const ms = Number(at);
    return [{ ...p, issuedAt: new Date(ms), expiresAt: new Date(expiryOf(ms, coupons.get(p.couponId)!.validDays)) }];
  });
  if (rows.length === 0) return;
  const [, locked] = await runStatements<Row[]>(conn, [insertCopies(rows), repo.lockCopies(rows)]);
  keep(locked!);
}

/**
 * After the COMMIT: the answers are stored (so `idempotent` does not store them again); the paid orders'
 * reservations are confirmed in one script call and their deliveries handed to the process's delivery batcher.
 * Neither delays the answers: the order is durable, the sweeper confirms what this misses and the relay queues what this misses.
 */
function settleAfterCommit(deps: Deps, entries: PaymentEntry[], results: (PaymentResult | Error)[]): void {
  const paid: { e: OrderEntry; view: OrderView }[] = [];
  entries.forEach((e, i) => {
    const r = results[i];
    if (r instanceof Error) return;
    if (e.record) e.record.recorded = true;
    if (e.kind === 'order') paid.push({ e, view: r as OrderView });
  });
  if (paid.length === 0) return;
  const log = (step: string) => (err: unknown) =>
    deps.logger.warn({ err, orders: paid.length, step }, 'post-commit step failed; a job repairs it');
  confirmStocks(
    deps,
    paid.map(({ e, view }) => ({ rid: e.rid, orderCreatedAt: e.at.getTime(), sales: salesOf(view.items) })),
  ).catch(log('confirm'));
  deps.deliveries.add(paid.map(({ view }) => eventIdOf(view.orderId, 'order.paid')));
}
