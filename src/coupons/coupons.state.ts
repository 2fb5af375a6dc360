import type { Deps } from '../deps.ts';
import { allCoupons, issuedChunk, type CouponRow } from './coupons.repo.ts';

const CHUNK = 5_000;

/**
 * Rebuilds one coupon's Redis state from MySQL: the issued hash is refilled with HSETNX (so live entries and
 * entries still in the outbox survive), then lua/restore-coupon.lua derives the stock from it atomically.
 * Safe to run at any time, any number of times.
 */
export async function restoreCouponState(deps: Deps, coupon: CouponRow): Promise<number> {
  const k = deps.keys;
  const id = coupon.id;
  for (let after = 0; ; ) {
    const rows = await issuedChunk(deps.db, id, after, CHUNK);
    if (rows.length === 0) break;
    const pipe = deps.redis.pipeline();
    for (const r of rows) pipe.hsetnx(k.couponIssued(id), String(r.userId), String(r.issuedAt.getTime()));
    await pipe.exec();
    after = rows[rows.length - 1]!.id;
  }
  const stock = await deps.redis.restoreCoupon(
    k.couponMeta(id),
    k.couponStock(id),
    k.couponIssued(id),
    k.couponOutbox(id),
    k.couponInflight(id),
    coupon.totalQuantity,
    coupon.validDays,
    coupon.issueStartsAt?.getTime() ?? '',
    coupon.issueEndsAt?.getTime() ?? '',
  );
  await deps.redis.sadd(k.couponsActive, String(id));
  return stock;
}

/**
 * Restores every coupon whose Redis state is missing (start-up after a flush), or all of them with `force`.
 * `progress` runs after each restored coupon (the rebuild keeps its marker alive with it).
 */
export async function restoreMissingCoupons(
  deps: Deps,
  force = false,
  progress?: () => Promise<unknown>,
): Promise<number> {
  const all = await allCoupons(deps.db);
  let restored = 0;
  for (const coupon of all) {
    if (force || (await deps.redis.exists(deps.keys.couponMeta(coupon.id))) === 0) {
      await restoreCouponState(deps, coupon);
      await progress?.();
      restored++;
    }
  }
  return restored;
}
