import { and, count, desc, eq, gt, lt, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { coupons, userCoupons } from '../db/schema/index.ts';

export type CouponRow = typeof coupons.$inferSelect;
export type NewUserCoupon = typeof userCoupons.$inferInsert;

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

/** Multi-row insert; the unique (coupon_id, user_id) key turns a replayed batch into no-ops. */
export async function insertUserCoupons(db: Executor, rows: NewUserCoupon[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insert(userCoupons)
    .values(rows)
    .onDuplicateKeyUpdate({ set: { id: sql`id` } });
}

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
