import { allCoupons, countPersisted } from '../coupons/coupons.repo.ts';
import { durableStock } from '../products/stock-ledger.repo.ts';
import type { Deps } from '../deps.ts';

export type Drift = {
  kind: 'coupon_issued' | 'option_stock';
  id: number;
  redis: number;
  mysql: number;
  difference: number;
};

/**
 * Compares Redis with the record, counting what is legitimately between them (positive: Redis has more):
 * - a coupon's issued hash = rows in MySQL + entries still in its outbox or in flight;
 * - an option's live stock + units held by open reservations = its durable stock.
 * Every difference is exported as `engine_drift` and logged; agreeing ones are reset to 0.
 */
export async function reconcile(deps: Deps): Promise<Drift[]> {
  const k = deps.keys;
  const drifts: Drift[] = [];

  for (const { id } of await allCoupons(deps.db)) {
    const [issued, outbox, inflight] = await Promise.all([
      deps.redis.hlen(k.couponIssued(id)),
      deps.redis.llen(k.couponOutbox(id)),
      deps.redis.llen(k.couponInflight(id)),
    ]);
    const persisted = await countPersisted(deps.db, id);
    // Every issued copy is acknowledged (a MySQL row), in flight (perhaps already inserted) or still in the
    // outbox, so: issued − outbox − inflight ≤ persisted ≤ issued − outbox. Outside that band is drift.
    const low = issued - outbox - inflight;
    const high = issued - outbox;
    const difference = persisted < low ? low - persisted : persisted > high ? high - persisted : 0;
    if (difference !== 0) drifts.push({ kind: 'coupon_issued', id, redis: issued, mysql: persisted, difference });
  }

  const held = new Map<number, number>();
  for (const rid of await deps.redis.zrange(k.reservations, 0, -1)) {
    for (const [optionId, qty] of Object.entries(await deps.redis.hgetall(k.reservation(rid)))) {
      held.set(Number(optionId), (held.get(Number(optionId)) ?? 0) + Number(qty));
    }
  }
  const options = [...(await durableStock(deps.db))].map(([id, stock]) => ({ id, stock }));
  for (let i = 0; i < options.length; i += 1000) {
    const chunk = options.slice(i, i + 1000);
    const live = await deps.redis.mget(chunk.map((o) => k.optionStock(o.id)));
    chunk.forEach((o, j) => {
      if (live[j] === null) return; // not loaded into Redis yet: restored on demand, not drift
      const redis = Number(live[j]) + (held.get(o.id) ?? 0);
      if (redis !== o.stock)
        drifts.push({ kind: 'option_stock', id: o.id, redis, mysql: o.stock, difference: redis - o.stock });
    });
  }

  deps.counters.drifts(drifts);
  if (drifts.length > 0)
    deps.logger.warn({ drifts: drifts.slice(0, 50), count: drifts.length }, 'Redis and MySQL disagree');
  return drifts;
}
