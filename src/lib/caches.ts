import type { OptionRow, ProductRow } from '../products/products.repo.ts';
import { Bounded } from './bounded.ts';

/** How many products and options a process remembers (the oldest goes first). */
const CATALOG_ENTRIES = 50_000;
/** How many users a process remembers as existing. */
const KNOWN_USERS = 200_000;

/**
 * The process's caches, held by `deps` so that each engine (and each test's engine) has its own and nothing
 * hides in module state. Each module that reads one says why it may.
 */
export type Caches = {
  /** products and options never change once created (only their stock does, and stock lives in Redis) */
  products: Bounded<number, { product: ProductRow; options: OptionRow[] }>;
  options: Bounded<number, OptionRow>;
  /** users seen to exist (users are never deleted) */
  knownUsers: Bounded<number, true>;
  /** concurrent reads of one product's live stock share one Redis round trip */
  stockReads: Map<number, Promise<number[]>>;
  /** the popular snapshot's JSON and when this process read it (deps.clock time) */
  popular: { json: string; at: number } | null;
};

export function createCaches(): Caches {
  return {
    products: new Bounded(CATALOG_ENTRIES),
    options: new Bounded(CATALOG_ENTRIES),
    knownUsers: new Bounded(KNOWN_USERS),
    stockReads: new Map(),
    popular: null,
  };
}
