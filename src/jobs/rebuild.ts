import { maxCouponId } from '../coupons/coupons.repo.ts';
import { restoreMissingCoupons } from '../coupons/coupons.state.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../lib/errors.ts';
import { restoreOptionStock } from '../products/stock.ts';

/** A rebuild that stops (its process died) lets its marker lapse, so "restoring" never outlives it for long. */
const RESTORING_TTL_S = 60;

/**
 * Invariant 6: refills Redis from MySQL: every coupon whose state is missing (all of them with `force`), then
 * every missing option stock. While it runs, `{rebuild}:restoring` names the highest coupon id being restored;
 * when it is done, `{rebuild}:ready` says Redis is whole. Safe to run at any time and concurrently.
 */
export async function rebuildRedis(deps: Deps, force = false): Promise<{ coupons: number; options: number }> {
  const k = deps.keys;
  await deps.redis.set(k.rebuildRestoring, await maxCouponId(deps.db), 'EX', RESTORING_TTL_S);
  const coupons = await restoreMissingCoupons(deps, force, () =>
    deps.redis.expire(k.rebuildRestoring, RESTORING_TTL_S),
  );
  const options = await restoreOptionStock(deps);
  await deps.redis.multi().set(k.rebuildReady, String(deps.clock.now())).del(k.rebuildRestoring).exec();
  return { coupons, options };
}

/** The maintenance job: a Redis that lost its data while the engine runs is rebuilt within one interval. */
export async function rebuildIfLost(deps: Deps): Promise<{ coupons: number; options: number } | null> {
  if ((await deps.redis.exists(deps.keys.rebuildReady)) === 1) return null;
  return rebuildRedis(deps);
}

export type RebuildState = 'ready' | 'restoring' | 'lost';

export async function rebuildState(deps: Deps): Promise<{ state: RebuildState; restoringUpTo: number | null }> {
  const [ready, restoring] = await deps.redis.mget(deps.keys.rebuildReady, deps.keys.rebuildRestoring);
  if (ready !== null) return { state: 'ready', restoringUpTo: null };
  return restoring !== null
    ? { state: 'restoring', restoringUpTo: Number(restoring) }
    : { state: 'lost', restoringUpTo: null };
}

/**
 * The answer for a coupon id Redis does not know. Only refusals pay for this read (one MGET), so a flood of
 * bogus ids never reaches MySQL: with Redis whole the id is unknown (404); while a rebuild runs, ids up to the
 * highest one it restores exist but are not back yet (503, retry); with Redis's state lost and no rebuild
 * running yet, nothing can be said (503).
 */
export async function unknownCouponAnswer(deps: Deps, couponId: number): Promise<AppError> {
  const { state, restoringUpTo } = await rebuildState(deps);
  if (state === 'ready' || (state === 'restoring' && couponId > restoringUpTo!))
    return new AppError('COUPON_NOT_FOUND');
  return new AppError(
    'SERVICE_UNAVAILABLE',
    'The coupon is being restored after a Redis restart; retry shortly',
    { couponId },
    { 'Retry-After': '1' },
  );
}
