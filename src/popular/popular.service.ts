import { desc, eq, inArray } from 'drizzle-orm';
import { popularSnapshotItems, popularSnapshots, products } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { rank, TOP_N, windowOf } from './ranking.ts';

export type PopularSnapshot = {
  items: { rank: number; productId: number; name: string; salesCount: number }[];
  window: { from: string; to: string };
  computedAt: string;
};

/**
 * The batch of the seed design: unions the last 72 hourly sales sets, keeps the top 5, writes them to the
 * statistics tables and to the Redis snapshot the API reads. Never reads the orders table.
 */
export async function refreshPopular(deps: Deps): Promise<PopularSnapshot> {
  const now = deps.clock.now();
  const { hours, from } = windowOf(now);
  const k = deps.keys;
  const union = `${k.salesUnion}:${now}`;
  await deps.redis.zunionstore(union, hours.length, ...hours.map((h) => k.salesHour(h)));
  // Ties at the fifth place are settled by product id, so read every member scoring at least the fifth score.
  const top = await deps.redis.zrevrange(union, TOP_N - 1, TOP_N - 1, 'WITHSCORES');
  const floor = top.length === 2 ? top[1]! : '1';
  const flat = await deps.redis.zrangebyscore(union, floor, '+inf', 'WITHSCORES');
  await deps.redis.del(union);
  const counts = [];
  for (let i = 0; i < flat.length; i += 2) counts.push({ productId: Number(flat[i]), salesCount: Number(flat[i + 1]) });
  const ranked = rank(counts);

  const names = ranked.length === 0 ? [] : await deps.db.select({ id: products.id, name: products.name }).from(products).where(inArray(products.id, ranked.map((r) => r.productId)));
  const nameOf = new Map(names.map((n) => [n.id, n.name]));
  const snapshot: PopularSnapshot = {
    items: ranked.map((r) => ({ rank: r.rank, productId: r.productId, name: nameOf.get(r.productId) ?? '', salesCount: r.salesCount })),
    window: { from: new Date(from).toISOString(), to: new Date(now).toISOString() },
    computedAt: new Date(now).toISOString(),
  };
  await deps.db.transaction(async (tx) => {
    const [{ id }] = (await tx
      .insert(popularSnapshots)
      .values({ windowFrom: new Date(from), windowTo: new Date(now), computedAt: new Date(now) })
      .$returningId()) as [{ id: number }];
    if (snapshot.items.length > 0) await tx.insert(popularSnapshotItems).values(snapshot.items.map((i) => ({ snapshotId: id, ...i })));
  });
  await storeSnapshot(deps, snapshot);
  return snapshot;
}

async function storeSnapshot(deps: Deps, snapshot: PopularSnapshot) {
  const json = JSON.stringify(snapshot);
  await deps.redis.set(deps.keys.popularSnapshot, json);
  cache.set(deps, { json, at: Date.now() });
}

/** The latest statistics rows, for a Redis that lost its snapshot. */
async function latestStored(deps: Deps): Promise<PopularSnapshot | null> {
  const [snap] = await deps.db.select().from(popularSnapshots).orderBy(desc(popularSnapshots.id)).limit(1);
  if (!snap) return null;
  const items = await deps.db.select().from(popularSnapshotItems).where(eq(popularSnapshotItems.snapshotId, snap.id)).orderBy(popularSnapshotItems.rank);
  return {
    items: items.map((i) => ({ rank: i.rank, productId: i.productId, name: i.name, salesCount: i.salesCount })),
    window: { from: snap.windowFrom.toISOString(), to: snap.windowTo.toISOString() },
    computedAt: snap.computedAt.toISOString(),
  };
}

/** The snapshot changes hourly; each process keeps the serialized answer for a second to spare Redis the reads. */
const CACHE_MS = 1_000;
const cache = new WeakMap<Deps, { json: string; at: number }>();

/** Redis snapshot, else the statistics table (put back into Redis), else a first computation. Returns JSON text. */
export async function readPopular(deps: Deps): Promise<string> {
  const hit = cache.get(deps);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.json;
  let json = await deps.redis.get(deps.keys.popularSnapshot);
  if (json === null) {
    const stored = await latestStored(deps);
    if (stored) await storeSnapshot(deps, stored);
    json = stored ? JSON.stringify(stored) : JSON.stringify(await refreshPopular(deps));
  }
  cache.set(deps, { json, at: Date.now() });
  return json;
}

/** For start-up: compute once when no snapshot exists anywhere yet. */
export async function ensurePopularSnapshot(deps: Deps): Promise<void> {
  if ((await deps.redis.exists(deps.keys.popularSnapshot)) === 0) await readPopular(deps);
}
