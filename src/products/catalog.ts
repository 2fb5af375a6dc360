import type { Deps } from '../deps.ts';
import { findOptions, findProduct, type OptionRow } from './products.repo.ts';

/**
 * Products and options never change once created (only their stock does, and stock lives in Redis), so each
 * process keeps them after the first read (`deps.caches`): product pages and orders then read MySQL only for
 * what is new.
 */
export async function cachedProduct(deps: Deps, id: number) {
  const c = deps.caches;
  const hit = c.products.get(id);
  if (hit) return hit;
  const found = await findProduct(deps.readDb, id);
  if (found) c.products.set(id, found);
  return found;
}

/** The options that exist among `ids` (unknown ids are simply absent). The `stock` field is not kept fresh: never read it here. */
export async function cachedOptions(deps: Deps, ids: number[]): Promise<OptionRow[]> {
  const c = deps.caches;
  const missing = ids.filter((id) => !c.options.get(id));
  if (missing.length > 0) for (const o of await findOptions(deps.db, missing)) c.options.set(o.id, o);
  return ids.map((id) => c.options.get(id)).filter((o): o is OptionRow => o !== undefined);
}
