import type { Deps } from '../deps.ts';
import { productNames } from '../products/products.repo.ts';
import { insertSnapshot, latestSnapshot } from './popular.repo.ts';
import type { PopularSnapshot } from './popular.schemas.ts';
import { rank, TOP_N, windowOf } from './ranking.ts';

export type { PopularSnapshot };

/**
 * The batch of the seed design: unions the last 72 hourly sales sets, keeps the top 5, writes them to the
 * statistics tables and to the Redis snapshot the API reads. Never reads the orders table.
 */
export async function refreshPopular(deps: Deps): Promise<PopularSnapshot> {
  const now = deps.clock.now();
  const { hours, from } = windowOf(now);
  const k = deps.keys;
  const union = k.salesUnion(now);
  await deps.redis.zunionstore(union, hours.length, ...hours.map((h) => k.salesHour(h)));
  // Ties at the fifth place are settled by product id, so read every member scoring at least the fifth score.
  const top = await deps.redis.zrevrange(union, TOP_N - 1, TOP_N - 1, 'WITHSCORES');
  const floor = top.length === 2 ? top[1]! : '1';
  const flat = await deps.redis.zrangebyscore(union, floor, '+inf', 'WITHSCORES');
  await deps.redis.del(union);
  const counts = [];
  for (let i = 0; i < flat.length; i += 2) counts.push({ productId: Number(flat[i]), salesCount: Number(flat[i + 1]) });
  const ranked = rank(counts);

  const nameOf = await productNames(
    deps.db,
    ranked.map((r) => r.productId),
  );
  const snapshot: PopularSnapshot = {
    items: ranked.map((r) => ({
      rank: r.rank,
      productId: r.productId,
      name: nameOf.get(r.productId) ?? '',
      salesCount: r.salesCount,
    })),
    window: { from: new Date(from).toISOString(), to: new Date(now).toISOString() },
    computedAt: new Date(now).toISOString(),
  };
  await insertSnapshot(deps.db, snapshot);
  await storeSnapshot(deps, snapshot);
  return snapshot;
}

async function storeSnapshot(deps: Deps, snapshot: PopularSnapshot) {
  const json = JSON.stringify(snapshot);
  await deps.redis.set(deps.keys.popularSnapshot, json);
  deps.caches.popular = { json, at: deps.clock.now() };
}

/** The snapshot changes hourly; each process keeps the serialized answer for a second to spare Redis the reads. */
const CACHE_MS = 1_000;

/** The snapshot's JSON when this process read it within CACHE_MS: answered without a wait. */
export function freshPopular(deps: Deps): string | undefined {
  const hit = deps.caches.popular;
  return hit && deps.clock.now() - hit.at < CACHE_MS ? hit.json : undefined;
}

/** Redis snapshot, else the statistics table (put back into Redis), else a first computation. Returns JSON text. */
export async function readPopular(deps: Deps): Promise<string> {
  const fresh = freshPopular(deps);
  if (fresh !== undefined) return fresh;
  let json = await deps.redis.get(deps.keys.popularSnapshot);
  if (json === null) {
    const stored = await latestSnapshot(deps.db);
    if (stored) await storeSnapshot(deps, stored);
    json = stored ? JSON.stringify(stored) : JSON.stringify(await refreshPopular(deps));
  }
  deps.caches.popular = { json, at: deps.clock.now() };
  return json;
}

/** For start-up: compute once when no snapshot exists anywhere yet. */
export async function ensurePopularSnapshot(deps: Deps): Promise<void> {
  if ((await deps.redis.exists(deps.keys.popularSnapshot)) === 0) await readPopular(deps);
}
