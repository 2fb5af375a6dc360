import type { Pool } from 'mysql2/promise';
import { sqlExpr, stmt, type SqlExpr, type Stmt } from '../db/statements.ts';
import type { PointType } from '../points/balance.ts';

/**
 * The group committer's SQL, as statements sent several per round trip (src/db/statements.ts). Hand-written and
 * multi-row: building each batch with drizzle cost more CPU than the rest of an order. Columns mirror
 * src/db/schema; `test/payments.test.ts` and the order suites exercise every statement.
 */

/** Reservations among `rids` that already have an outcome (the sweeper voided a very slow one). */
export const settledReservations = (rids: string[]): Stmt =>
  stmt('SELECT reservation_id AS rid FROM reservation_outcomes WHERE reservation_id IN (?)', [rids]);

/** The batch's wallets, locked in user id order (concurrent batches lock in the same order). */
export const lockWallets = (userIds: number[]): Stmt =>
  stmt('SELECT user_id AS userId, balance FROM point_wallets WHERE user_id IN (?) ORDER BY user_id FOR UPDATE', [
    userIds,
  ]);

export const findCoupons = (ids: number[]): Stmt =>
  stmt(
    'SELECT id, discount_type AS discountType, discount_value AS discountValue, valid_days AS validDays FROM coupons WHERE id IN (?)',
    [ids],
  );

/** The users' copies of the coupons their orders name, locked in row id order. */
export const lockCopies = (pairs: { couponId: number; userId: number }[]): Stmt =>
  stmt(
    'SELECT id, coupon_id AS couponId, user_id AS userId, status, expires_at AS expiresAt FROM user_coupons WHERE (coupon_id, user_id) IN (?) ORDER BY id FOR UPDATE',
    [pairs.map((p) => [p.couponId, p.userId])],
  );

/**
 * Claims each reservation for its order: the primary key lets only one of this and the sweeper's VOID commit,
 * so a duplicate here fails the batch, which is then decided again.
 */
export const claimReservations = (rids: string[], at: Date): Stmt =>
  stmt('INSERT INTO reservation_outcomes (reservation_id, outcome, created_at) VALUES ?', [
    rids.map((rid) => [rid, 'ORDER', at]),
  ]);

export type OrderRow = {
  userId: number;
  totalAmount: number;
  discountAmount: number;
  paidAmount: number;
  couponId: number | null;
  reservationId: string;
  createdAt: Date;
};

export const insertOrders = (rows: OrderRow[]): Stmt =>
  stmt(
    'INSERT INTO orders (user_id, status, total_amount, discount_amount, paid_amount, coupon_id, reservation_id, created_at) VALUES ?',
    [
      rows.map((r) => [
        r.userId,
        'PAID',
        r.totalAmount,
        r.discountAmount,
        r.paidAmount,
        r.couponId,
        r.reservationId,
        r.createdAt,
      ]),
    ],
  );

/**
 * How a batch learns its new orders' ids. Under InnoDB's "consecutive" (1) or "traditional" (0) auto-increment
 * lock mode the rows of one multi-row INSERT get the ids first, first + step, … (the MariaDB default), so the rest
 * of the batch names them from LAST_INSERT_ID() in the same round trip. Under "interleaved" (2, MySQL 8's default)
 * they may not be consecutive: they are read back, one round trip more. The lock mode is fixed while the server
 * runs, so it is read once; the step is a session variable, so each batch reads its own.
 */
export type OrderIdPlan = { consecutive: boolean };

export const READ_BACK: OrderIdPlan = { consecutive: false };

export async function orderIdPlan(pool: Pool): Promise<OrderIdPlan> {
  const [rows] = await pool.query('SELECT @@innodb_autoinc_lock_mode AS lockMode');
  return { consecutive: Number((rows as { lockMode: number }[])[0]!.lockMode) <= 1 };
}

/**
 * Kept right after the orders' INSERT (every later auto-increment INSERT of the batch moves LAST_INSERT_ID()),
 * with this session's step; the second statement answers them to the committer.
 */
export const rememberFirstOrderId = (): Stmt[] => [
  stmt('SET @first_order_id = LAST_INSERT_ID(), @order_id_step = @@session.auto_increment_increment'),
  stmt('SELECT @first_order_id AS first, @order_id_step AS step'),
];

/** The id of the batch's `k`-th new order, as the server computes it (consecutive plan only). */
export const nthOrderId = (k: number): SqlExpr => sqlExpr(`(@first_order_id + ${k} * @order_id_step)`);

/** Each new order's id by its reservation id (unique), for the read-back plan. */
export const orderIdsOf = (rids: string[]): Stmt =>
  stmt('SELECT id, reservation_id AS rid FROM orders WHERE reservation_id IN (?)', [rids]);

/** An order id as a statement value: a number read back, or the server's expression for it. */
export type OrderId = number | SqlExpr;

export const insertItems = (
  rows: {
    orderId: OrderId;
    position: number;
    productId: number;
    optionId: number;
    quantity: number;
    unitPrice: number;
  }[],
): Stmt =>
  stmt('INSERT INTO order_items (order_id, position, product_id, option_id, quantity, unit_price) VALUES ?', [
    rows.map((r) => [r.orderId, r.position, r.productId, r.optionId, r.quantity, r.unitPrice]),
  ]);

export const markCopiesUsed = (uses: { rowId: number; orderId: OrderId }[], at: Date): Stmt =>
  stmt(
    `UPDATE user_coupons SET status = 'USED', used_at = ?, order_id = CASE id ${uses.map(() => 'WHEN ? THEN ?').join(' ')} END WHERE id IN (?)`,
    [at, ...uses.flatMap((u) => [u.rowId, u.orderId]), uses.map((u) => u.rowId)],
  );

/** Ledger rows, not an UPDATE of the option row: concurrent batches never queue on a hot option's lock. */
export const recordMovements = (rows: { optionId: number; delta: number; orderId: OrderId; createdAt: Date }[]): Stmt =>
  stmt('INSERT INTO stock_ledger (option_id, delta, order_id, created_at) VALUES ?', [
    rows.map((r) => [r.optionId, r.delta, r.orderId, r.createdAt]),
  ]);

/** Outbox rows; the payload is stored as the exact bytes to send, so every retry carries the same signature. */
export const insertEvents = (
  rows: { eventId: string | SqlExpr; orderId: OrderId; event: string; payload: string | SqlExpr; createdAt: Date }[],
): Stmt =>
  stmt('INSERT INTO order_events (event_id, order_id, event, payload, created_at) VALUES ?', [
    rows.map((r) => [r.eventId, r.orderId, r.event, r.payload, r.createdAt]),
  ]);

export const setBalances = (balances: Map<number, number>, at: Date): Stmt =>
  stmt(
    `UPDATE point_wallets SET balance = CASE user_id ${[...balances].map(() => 'WHEN ? THEN ?').join(' ')} END, updated_at = ? WHERE user_id IN (?)`,
    [...[...balances].flat(), at, [...balances.keys()]],
  );

/** History rows in the order given: ids follow it, so "newest first" and each balanceAfter stay true. */
export const insertHistory = (
  rows: {
    userId: number;
    type: Exclude<PointType, 'REFUND'>;
    amount: number;
    balanceAfter: number;
    orderId: OrderId | null;
    createdAt: Date;
  }[],
): Stmt =>
  stmt('INSERT INTO point_history (user_id, type, amount, balance_after, order_id, created_at) VALUES ?', [
    rows.map((r) => [r.userId, r.type, r.amount, r.balanceAfter, r.orderId, r.createdAt]),
  ]);

/** Final answers (JSON text) for claimed idempotency keys (an upsert, so a lost RUNNING row is written whole). */
export const storeAnswers = (
  answers: {
    id: { subject: string; scope: string; key: string; requestHash: string; createdAt: Date };
    status: number;
    body: string | SqlExpr;
  }[],
): Stmt =>
  stmt(
    "INSERT INTO idempotency_keys (subject, scope, idem_key, request_hash, state, response_status, response_body, created_at) VALUES ? ON DUPLICATE KEY UPDATE state = 'DONE', response_status = VALUES(response_status), response_body = VALUES(response_body)",
    [
      answers.map((a) => [
        a.id.subject,
        a.id.scope,
        a.id.key,
        a.id.requestHash,
        'DONE',
        a.status,
        a.body,
        a.id.createdAt,
      ]),
    ],
  );
