import { expiryOf } from '../coupons/coupon-rules.ts';
import { findCoupons, insertUserCoupons, lockCopies, markCopiesUsed, type CouponRow } from '../coupons/coupons.repo.ts';
import { inTransaction, type Tx } from '../db/client.ts';
import { isDuplicateKey } from '../db/errors.ts';
import type { Deps } from '../deps.ts';
import { afterCommit } from '../lib/after-commit.ts';
import { AppError } from '../lib/errors.ts';
import { storeAnswers, type Recorder } from '../lib/idempotency.ts';
import { enqueueDeliveries } from '../orders/delivery.ts';
import { claimReservations, eventIdOf, insertEvents, insertItems, insertOrders, settledReservations } from '../orders/orders.repo.ts';
import type { OrderView } from '../orders/orders.schemas.ts';
import { insertHistory, lockWallets, setBalances, type HistoryRow } from '../points/points.repo.ts';
import { recordMovements } from '../products/durable-stock.ts';
import { confirmStock, salesOf } from '../products/stock.ts';
import { copyKey, decideBatch, type Decision, type HeldCopy, type Line } from './rules.ts';

/** A paid order whose stock is reserved (`rid`), waiting for its transaction. */
export type OrderEntry = { kind: 'order'; rid: string; userId: number; lines: Line[]; couponId: number | null; at: Date; record?: Recorder | undefined };
/** A point charge waiting for its transaction. */
export type ChargeEntry = { kind: 'charge'; userId: number; amount: number; at: Date; record?: Recorder | undefined };
export type PaymentEntry = OrderEntry | ChargeEntry;
export type Balance = { userId: number; balance: number };
export type PaymentResult = OrderView | Balance;

/** A batch that lost a reservation to the sweeper between its read and its write is decided again. */
const ATTEMPTS = 3;

/**
 * Commits a batch of paid orders and charges in one MySQL transaction: the batch's wallets locked with one
 * statement (id order), each movement decided in code in arrival order (`decideBatch`), then multi-row writes:
 * reservation outcomes, orders, items, coupon copies, ledger rows, outbox events, wallet balances, history rows
 * and idempotent answers, and one COMMIT. A refusal answers only its own entry; a failure of the transaction
 * (after its deadlock retries) fails the batch whole, and nothing of it is written.
 */
export async function commitPayments(deps: Deps, entries: PaymentEntry[]): Promise<(PaymentResult | Error)[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const results = await inTransaction(deps.db, (tx) => commitInTx(deps, tx, entries));
      await settleAfterCommit(deps, entries, results);
      return results;
    } catch (err) {
      if (!isDuplicateKey(err) || attempt >= ATTEMPTS) throw err;
    }
  }
}

async function commitInTx(deps: Deps, tx: Tx, entries: PaymentEntry[]): Promise<(PaymentResult | Error)[]> {
  const now = deps.clock.now();
  const batchAt = new Date(now);
  const results: (PaymentResult | Error | undefined)[] = new Array(entries.length);

  const settled = await settledReservations(tx, entries.flatMap((e) => (e.kind === 'order' ? [e.rid] : [])));
  entries.forEach((e, i) => {
    if (e.kind === 'order' && settled.has(e.rid)) results[i] = new AppError('SERVICE_UNAVAILABLE', 'The stock reservation expired; retry the order');
  });
  const live = entries.map((e, i) => ({ e, i })).filter(({ i }) => results[i] === undefined);

  const balances = await lockWallets(tx, [...new Set(live.map(({ e }) => e.userId))].sort((a, b) => a - b));
  const { copies, coupons } = await lockCouponCopies(deps, tx, live.flatMap(({ e }) => (e.kind === 'order' && e.couponId !== null ? [{ couponId: e.couponId, userId: e.userId }] : [])));
  const { decisions } = decideBatch(live.map(({ e }) => e), { balances, copies, coupons, now });

  const paid: { e: OrderEntry; i: number; d: Extract<Decision, { kind: 'order' }> }[] = [];
  const charged: { e: ChargeEntry; i: number; d: Extract<Decision, { kind: 'charge' }> }[] = [];
  live.forEach(({ e, i }, j) => {
    const d = decisions[j]!;
    if (!d.ok) results[i] = d.error;
    else if (e.kind === 'order' && d.kind === 'order') paid.push({ e, i, d });
    else if (e.kind === 'charge' && d.kind === 'charge') charged.push({ e, i, d });
  });

  const orderIds = await writeOrders(tx, paid, batchAt);
  for (const { e, i, d } of paid) {
    results[i] = {
      orderId: orderIds.get(e.rid)!,
      userId: e.userId,
      status: 'PAID',
      items: e.lines.map((l) => ({ productId: l.productId, optionId: l.optionId, quantity: l.quantity, unitPrice: l.unitPrice })),
      totalAmount: d.totalAmount,
      discountAmount: d.discountAmount,
      paidAmount: d.paidAmount,
      couponId: e.couponId,
      createdAt: e.at.toISOString(),
    } satisfies OrderView;
  }
  for (const { e, i, d } of charged) results[i] = { userId: e.userId, balance: d.balanceAfter };
  await insertEvents(tx, paid.map(({ e, i }) => ({ event: 'order.paid' as const, view: results[i] as OrderView, at: e.at })));

  // Balances and history rows follow arrival order, so each row's balanceAfter is the balance right after it.
  const moved = [...paid.filter(({ d }) => d.paidAmount > 0), ...charged].sort((a, b) => a.i - b.i);
  const finalBalances = new Map<number, number>();
  const history: HistoryRow[] = moved.map((m) => {
    finalBalances.set(m.e.userId, m.d.balanceAfter);
    return m.e.kind === 'order'
      ? { userId: m.e.userId, type: 'USE', amount: (m.d as Extract<Decision, { kind: 'order' }>).paidAmount, balanceAfter: m.d.balanceAfter, orderId: orderIds.get(m.e.rid)!, createdAt: m.e.at }
      : { userId: m.e.userId, type: 'CHARGE', amount: m.e.amount, balanceAfter: m.d.balanceAfter, orderId: null, createdAt: m.e.at };
  });
  await setBalances(tx, finalBalances, batchAt);
  await insertHistory(tx, history);

  const answers = [...paid.map(({ e, i }) => ({ e, i, status: 201 })), ...charged.map(({ e, i }) => ({ e, i, status: 200 }))];
  await storeAnswers(tx, answers.flatMap(({ e, i, status }) => (e.record ? [{ id: e.record.id, status, body: results[i] }] : [])));
  return results as (PaymentResult | Error)[];
}

/** Orders, their items, used coupon copies and stock ledger rows; returns each order's id by reservation id. */
async function writeOrders(tx: Tx, paid: { e: OrderEntry; d: Extract<Decision, { kind: 'order' }> }[], batchAt: Date): Promise<Map<string, number>> {
  if (paid.length === 0) return new Map();
  // Claims each reservation for its order; the sweeper's VOID for the same one makes this fail, and the batch reruns.
  await claimReservations(tx, paid.map(({ e }) => e.rid), batchAt);
  const ids = await insertOrders(
    tx,
    paid.map(({ e, d }) => ({
      userId: e.userId,
      status: 'PAID' as const,
      totalAmount: d.totalAmount,
      discountAmount: d.discountAmount,
      paidAmount: d.paidAmount,
      couponId: e.couponId,
      reservationId: e.rid,
      createdAt: e.at,
    })),
  );
  await insertItems(
    tx,
    paid.flatMap(({ e }) => e.lines.map((l, position) => ({ orderId: ids.get(e.rid)!, position, productId: l.productId, optionId: l.optionId, quantity: l.quantity, unitPrice: l.unitPrice }))),
  );
  await markCopiesUsed(
    tx,
    paid.flatMap(({ e, d }) => (d.copyRowId === null ? [] : [{ rowId: d.copyRowId, orderId: ids.get(e.rid)! }])),
    batchAt,
  );
  // Ledger rows, not an UPDATE of the option row: concurrent batches never queue on a hot option's lock.
  await recordMovements(tx, paid.flatMap(({ e }) => e.lines.map((l) => ({ optionId: l.optionId, delta: -l.quantity, orderId: ids.get(e.rid)!, createdAt: e.at }))));
  return ids;
}

/**
 * Locks the copies the batch's orders name. A copy answered 201 moments ago may still be in the Redis outbox:
 * it is written here from the issued hash, so it is usable at once.
 */
async function lockCouponCopies(deps: Deps, tx: Tx, pairs: { couponId: number; userId: number }[]) {
  const copies = new Map<string, HeldCopy>();
  const coupons = new Map<number, CouponRow>();
  if (pairs.length === 0) return { copies, coupons };
  const couponRows = await findCoupons(tx, [...new Set(pairs.map((p) => p.couponId))]);
  for (const c of couponRows) coupons.set(c.id, c);
  const keep = (rows: Awaited<ReturnType<typeof lockCopies>>) => {
    for (const r of rows) copies.set(copyKey(r.couponId, r.userId), { rowId: r.id, status: r.status, expiresAt: r.expiresAt });
  };
  keep(await lockCopies(tx, pairs));
  const missing = pairs.filter((p) => !copies.has(copyKey(p.couponId, p.userId)) && coupons.has(p.couponId));
  if (missing.length > 0) {
    const issued = await Promise.all(missing.map((p) => deps.redis.hget(deps.keys.couponIssued(p.couponId), String(p.userId))));
    const rows = missing.flatMap((p, j) => {
      const at = issued[j];
      if (at == null) return [];
      const ms = Number(at);
      return [{ couponId: p.couponId, userId: p.userId, status: 'AVAILABLE' as const, issuedAt: new Date(ms), expiresAt: new Date(expiryOf(ms, coupons.get(p.couponId)!.validDays)) }];
    });
    if (rows.length > 0) {
      await insertUserCoupons(tx, rows);
      keep(await lockCopies(tx, rows));
    }
  }
  return { copies, coupons };
}

/**
 * After the COMMIT: the answers are stored (so `idempotent` does not store them again); the paid orders'
 * reservations are confirmed and their deliveries queued, one round trip each for the whole batch (bounded:
 * the sweeper and the relay repair what does not finish).
 */
async function settleAfterCommit(deps: Deps, entries: PaymentEntry[], results: (PaymentResult | Error)[]) {
  const paid: { e: OrderEntry; view: OrderView }[] = [];
  entries.forEach((e, i) => {
    const r = results[i];
    if (r instanceof Error) return;
    if (e.record) e.record.recorded = true;
    if (e.kind === 'order') paid.push({ e, view: r as OrderView });
  });
  if (paid.length === 0) return;
  await afterCommit(deps.logger, { orders: paid.length }, [
    ...paid.map(({ e, view }) => confirmStock(deps, e.rid, e.at.getTime(), salesOf(view.items))),
    enqueueDeliveries(deps, paid.map(({ view }) => eventIdOf(view.orderId, 'order.paid'))),
  ]);
}
