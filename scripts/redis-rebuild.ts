/**
 * Rebuilds Redis from MySQL (invariant 6): every coupon's stock and issued set, keeping whatever is still in
 * its outbox, without double counting. `npm run redis:rebuild` (all coupons) or `-- --missing` (only lost ones).
 */
import { loadConfig } from '../src/config.ts';
import { restoreMissingCoupons } from '../src/coupons/coupons.state.ts';
import { prepareDatabase } from '../src/db/client.ts';
import { closeDeps, createDeps } from '../src/deps.ts';

const config = loadConfig();
await prepareDatabase(config.DATABASE_URL);
const deps = await createDeps(config);
try {
  const missingOnly = process.argv.includes('--missing');
  const coupons = await restoreMissingCoupons(deps, !missingOnly);
  console.log(JSON.stringify({ coupons }));
} finally {
  await closeDeps(deps);
}
