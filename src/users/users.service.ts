import { inTransaction } from '../db/client.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../lib/errors.ts';
import { insertUser, userExists } from './users.repo.ts';

export async function createUser(deps: Deps, name: string) {
  const id = await inTransaction(deps.db, (tx) => insertUser(tx, name, new Date(deps.clock.now())));
  deps.caches.knownUsers.set(id, true);
  return { id, name };
}

/**
 * 404 USER_NOT_FOUND unless the user exists. Users are never deleted, so a user seen once is remembered by the
 * process (bounded): a crowd of buyers costs one MySQL read per buyer, not one per request. Unknown ids are
 * not remembered, since they may be created later.
 */
export async function assertUserExists(deps: Deps, userId: number): Promise<void> {
  if (deps.caches.knownUsers.has(userId)) return;
  if (!(await userExists(deps.db, userId))) throw new AppError('USER_NOT_FOUND');
  deps.caches.knownUsers.set(userId, true);
}
