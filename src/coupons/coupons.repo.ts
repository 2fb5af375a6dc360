import { and, count, desc, eq, gt, lt, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { stmt, type Stmt } from '../db/statements.ts';
import { coupons, userCoupons } from '../db/schema/index.ts';

export type CouponRow = typeof coupons.$inferSelect;

export async function findCoupon(db: Executor, id: number): Promise<CouponRow | null> {
  const [row] = await db.select().from(coupons).where(eq(coupons.id, id));
  return row ?? null;
}

export function allCoupons(db: Executor): Promise<CouponRow[]> {
  return db.select().from(coupons).orderBy(coupons.id);
}

export async function maxCouponId(db: Executor): Promise<number> {
  const [row] = await db.select({ id: sql<number | null>`MAX(${coupons.id})` }).from(coupons);
  return Number(row?.id ?? 0);
}

export async function countPersisted(db: Executor, couponId: number): Promise<number> {
  const [row] = await db.select({ n: count() }).from(userCoupons).where(eq(userCoupons.couponId, couponId));
  return row?.n ?? 0;
}

/**
 * Issued copies into the record, multi-row: the drain's batches, and the order committer's copies still in the
 * outbox. The unique (coupon_id, user_id) key turns a replayed or already drained copy into a no-op. Hand-written
 * like the committer's statements: built by drizzle, a 1,000-row batch cost the worker more CPU than the insert.
 */
export const insertCopies = (rows: { couponId: number; userId: number; issuedAt: Date; expiresAt: Date }[]): Stmt =>
  stmt(
    'INSERT INTO user_coupons (coupon_id, user_id, status, issued_at, expires_at) VALUES ? ON DUPLICATE KEY UPDATE id = id',
    [rows.map((r) => [r.couponId, r.userId, 'AVAILABLE', r.issuedAt, r.expiresAt])],
  );

/** Issued copies in id order, a chunk at a time (for rebuilding Redis). */
export function issuedChunk(db: Executor, couponId: number, afterId: number, limit: number) {
  return db
    .select({ id: userCoupons.id, userId: userCoupons.userId, issuedAt: userCoupons.issuedAt })
    .from(userCoupons)
    .where(and(eq(userCoupons.couponId, couponId), gt(userCoupons.id, afterId)))
    .orderBy(userCoupons.id)
    .limit(limit);
}

export function userCouponPage(db: Executor, userId: number, beforeId: number | null, limit: number) {
  return db
    .select({
      id: userCoupons.id,
      couponId: userCoupons.couponId,
      status: userCoupons.status,
      issuedAt: userCoupons.issuedAt,
      expiresAt: userCoupons.expiresAt,
      usedAt: userCoupons.usedAt,
      name: coupons.name,
      discountType: coupons.discountType,
      discountValue: coupons.discountValue,
    })
    .from(userCoupons)
    .innerJoin(coupons, eq(coupons.id, userCoupons.couponId))
    .where(and(eq(userCoupons.userId, userId), beforeId === null ? undefined : lt(userCoupons.id, beforeId)))
    .orderBy(desc(userCoupons.id))
    .limit(limit + 1);
}

/** The copy an order used, back to AVAILABLE (the order was cancelled). */
export async function releaseCopy(
  tx: Executor,
  use: { couponId: number; userId: number; orderId: number },
): Promise<void> {
  await tx
    .update(userCoupons)
    .set({ status: 'AVAILABLE', usedAt: null, orderId: null })
    .where(
      and(
        eq(userCoupons.couponId, use.couponId),
        eq(userCoupons.userId, use.userId),
        eq(userCoupons.orderId, use.orderId),
      ),
    );
}

export type NewCoupon = typeof coupons.$inferInsert;

export async function insertCoupon(db: Executor, row: NewCoupon): Promise<number> {
  const [{ id }] = (await db.insert(coupons).values(row).$returningId()) as [{ id: number }];
  return id;
}
