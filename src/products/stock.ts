import type { Deps } from '../deps.ts';
import { durableStock } from './stock-ledger.repo.ts';

/**
 * Invariant 6 for stock: an option whose live stock key is missing (a flushed Redis) gets the durable stock
 * back. SET NX, so a live key is never overwritten. With no ids, every option.
 */
export async function restoreOptionStock(deps: Deps, optionIds?: number[]): Promise<number> {
  const rows = [...(await durableStock(deps.db, optionIds))].map(([id, stock]) => ({ id, stock }));
  let restored = 0;
  for (let i = 0; i < rows.length; i += 1000) {
    const pipe = deps.redis.pipeline();
    for (const r of rows.slice(i, i + 1000)) pipe.set(deps.keys.optionStock(r.id), r.stock, 'NX');
    const results = (await pipe.exec()) ?? [];
    restored += results.filter(([, v]) => v === 'OK').length;
  }
  return restored;
}

/** Live stock of each option (0 when Redis has no key for it). */
export async function liveStock(deps: Deps, optionIds: number[]): Promise<number[]> {
  if (optionIds.length === 0) return [];
  const values = await deps.redis.mget(optionIds.map((id) => deps.keys.optionStock(id)));
  return values.map((v) => Number(v ?? 0));
}
