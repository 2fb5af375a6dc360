import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { idempotencyKeys } from '../db/schema/index.ts';

/** One key: the digest of who asks, the method and path, the key as sent. */
export type KeyId = { subject: string; scope: string; key: string };
export type KeyRow = typeof idempotencyKeys.$inferSelect;

const whereKey = (id: KeyId) =>
  and(eq(idempotencyKeys.subject, id.subject), eq(idempotencyKeys.scope, id.scope), eq(idempotencyKeys.key, id.key));

/** Inserts the key as RUNNING; a duplicate-key error means it was used before. */
export async function insertRunning(db: Executor, id: KeyId, requestHash: string, at: Date): Promise<void> {
  await db.insert(idempotencyKeys).values({ ...id, requestHash, state: 'RUNNING', createdAt: at });
}

export async function findKey(db: Executor, id: KeyId): Promise<KeyRow | null> {
  const [row] = await db.select().from(idempotencyKeys).where(whereKey(id));
  return row ?? null;
}

/** Compare-and-set on created_at: of several retries of an abandoned request only one takes it over. */
export async function takeOver(db: Executor, id: KeyId, was: Date, at: Date): Promise<boolean> {
  const [res] = await db
    .update(idempotencyKeys)
    .set({ createdAt: at })
    .where(and(whereKey(id), eq(idempotencyKeys.state, 'RUNNING'), eq(idempotencyKeys.createdAt, was)));
  return res.affectedRows === 1;
}

export async function storeAnswer(db: Executor, id: KeyId, status: number, body: unknown): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ state: 'DONE', responseStatus: status, responseBody: JSON.stringify(body) })
    .where(whereKey(id));
}

/** Removes a RUNNING key (its request failed with a 5xx), so the client may retry. */
export async function forgetRunning(db: Executor, id: KeyId): Promise<void> {
  await db.delete(idempotencyKeys).where(and(whereKey(id), eq(idempotencyKeys.state, 'RUNNING')));
}

/** Deletes up to `limit` keys created before `before`; returns how many went. */
export async function purgeBefore(db: Executor, before: Date, limit: number): Promise<number> {
  const [res] = await db.execute(
    sql`DELETE FROM ${idempotencyKeys} WHERE ${idempotencyKeys.createdAt} < ${before} LIMIT ${sql.raw(String(limit))}`,
  );
  return (res as { affectedRows: number }).affectedRows;
}
