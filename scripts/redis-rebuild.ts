/**
 * Rebuilds Redis from MySQL (invariant 6): every coupon's stock and issued set (keeping whatever is still in
 * its outbox, without double counting) and any missing option stock. `npm run redis:rebuild` (all coupons) or `-- --missing` (only lost ones).
 */
import { loadConfig } from '../src/config.ts';
import { restoreMissingCoupons } from '../src/coupons/coupons.state.ts';
import { prepareDatabase } from '../src/db/client.ts';
import { restoreOptionStock } from '../src/products/stock.ts';
import { closeDeps, createDeps } from '../src/deps.ts';

const config = loadConfig();
await prepareDatabase(config.DATABASE_URL);
const deps = await createDeps(config);
try {
  const missingOnly = process.argv.includes('--missing');
  const coupons = await restoreMissingCoupons(deps, !missingOnly);
  // Option stock is only ever restored where its key is missing: a live key already counts reservations in flight.
  const options = await restoreOptionStock(deps);
  console.log(JSON.stringify({ coupons, options }));
} finally {
  await closeDeps(deps);
}
