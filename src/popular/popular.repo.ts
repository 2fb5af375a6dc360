import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { popularSnapshotItems, popularSnapshots } from '../db/schema/index.ts';
import type { PopularSnapshot } from './popular.schemas.ts';

/** The statistics rows of one computed ranking, in one transaction. */
export async function insertSnapshot(db: Db, snapshot: PopularSnapshot): Promise<void> {
  await db.transaction(async (tx) => {
    const [{ id }] = (await tx
      .insert(popularSnapshots)
      .values({
        windowFrom: new Date(snapshot.window.from),
        windowTo: new Date(snapshot.window.to),
        computedAt: new Date(snapshot.computedAt),
      })
      .$returningId()) as [{ id: number }];
    if (snapshot.items.length > 0)
      await tx.insert(popularSnapshotItems).values(snapshot.items.map((i) => ({ snapshotId: id, ...i })));
  });
}

/** The latest statistics rows, for a Redis that lost its snapshot. */
export async function latestSnapshot(db: Db): Promise<PopularSnapshot | null> {
  const [snap] = await db.select().from(popularSnapshots).orderBy(desc(popularSnapshots.id)).limit(1);
  if (!snap) return null;
  const items = await db
    .select()
    .from(popularSnapshotItems)
    .where(eq(popularSnapshotItems.snapshotId, snap.id))
    .orderBy(popularSnapshotItems.rank);
  return {
    items: items.map((i) => ({ rank: i.rank, productId: i.productId, name: i.name, salesCount: i.salesCount })),
    window: { from: snap.windowFrom.toISOString(), to: snap.windowTo.toISOString() },
    computedAt: snap.computedAt.toISOString(),
  };
}
