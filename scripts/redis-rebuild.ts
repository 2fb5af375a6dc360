/**
 * Rebuilds Redis from MySQL (invariant 6): every coupon's stock and issued set (keeping whatever is still in
 * its outbox, without double counting) and any missing option stock. `npm run redis:rebuild` (all coupons) or `-- --missing` (only lost ones).
 */
import { loadConfig } from '../src/config.ts';
import { prepareDatabase } from '../src/db/client.ts';
import { rebuildRedis } from '../src/jobs/rebuild.ts';
import { closeDeps, createDeps } from '../src/deps.ts';

const config = loadConfig();
await prepareDatabase(config.DATABASE_URL);
const deps = await createDeps(config);
try {
  const missingOnly = process.argv.includes('--missing');
  // Option stock is only ever restored where its key is missing: a live key already counts reservations in flight.
  console.log(JSON.stringify(await rebuildRedis(deps, !missingOnly)));
} finally {
  await closeDeps(deps);
}
