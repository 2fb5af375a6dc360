import { eq } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { pointWallets, users } from '../db/schema/index.ts';

/** A user always has a wallet, created with it at zero, so balance reads never need a join. */
export async function insertUser(db: Executor, name: string, at: Date): Promise<number> {
  const [{ id }] = (await db.insert(users).values({ name, createdAt: at }).$returningId()) as [{ id: number }];
  await db.insert(pointWallets).values({ userId: id, balance: 0, updatedAt: at });
  return id;
}

export async function userExists(db: Executor, id: number): Promise<boolean> {
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.id, id));
  return row !== undefined;
}
