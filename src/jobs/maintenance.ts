import type { Config } from '../config.ts';
import type { Deps } from '../deps.ts';
import { purgeIdempotencyKeys } from '../lib/idempotency.ts';
import { relayPendingEvents } from '../orders/delivery.ts';
import { repairRestocks, sweepReservations } from '../orders/sweeper.ts';
import { refreshPopular } from '../popular/popular.service.ts';
import { applyStockLedger } from '../products/stock-ledger.repo.ts';
import { rebuildIfLost } from './rebuild.ts';
import { reconcile } from './reconcile.ts';

/** A repeatable job of the maintenance queue: its name (the job's and its scheduler's), how often, what it does. */
export type MaintenanceJob = {
  name: string;
  everyMs: (config: Config) => number;
  run: (deps: Deps) => Promise<unknown>;
};

/** Every maintenance job, each in one place. None takes a payload: each reads what it needs. */
export const MAINTENANCE_JOBS: readonly MaintenanceJob[] = [
  {
    name: 'sweep-reservations',
    everyMs: (c) => Math.max(1_000, Math.min(30_000, Math.floor(c.RESERVATION_TIMEOUT_MS / 4))),
    run: (deps) => sweepReservations(deps),
  },
  { name: 'relay-events', everyMs: () => 30_000, run: (deps) => relayPendingEvents(deps) },
  { name: 'repair-restocks', everyMs: () => 30_000, run: (deps) => repairRestocks(deps) },
  { name: 'popular-refresh', everyMs: (c) => c.POPULAR_REFRESH_MS, run: (deps) => refreshPopular(deps) },
  { name: 'reconcile', everyMs: () => 60_000, run: (deps) => reconcile(deps) },
  { name: 'apply-stock', everyMs: () => 1_000, run: (deps) => applyStockLedger(deps) },
  { name: 'purge-idempotency', everyMs: () => 3_600_000, run: (deps) => purgeIdempotencyKeys(deps) },
  { name: 'rebuild-if-lost', everyMs: () => 5_000, run: (deps) => rebuildIfLost(deps) },
];

export const maintenanceJob = (name: string) => MAINTENANCE_JOBS.find((j) => j.name === name);
