/**
 * Runs the coupon-rush and order-rush correctness tests against a local 3-master Redis Cluster, in-process and
 * with the API and worker as separate processes: `npm run test:cluster` (CI runs it).
 */
import { spawnSync } from 'node:child_process';
import { startCluster } from './redis-cluster.ts';
import { ensureServices } from './services.ts';

await ensureServices();
const nodes = await startCluster();
const env = { ...process.env, REDIS_CLUSTER_NODES: nodes };
// CI_RESULTS_DIR: also write vitest's JSON report there (the CI script sums every suite's counts).
const report = (name: string) =>
  process.env.CI_RESULTS_DIR
    ? ['--reporter=default', '--reporter=json', `--outputFile=${process.env.CI_RESULTS_DIR}/${name}.json`]
    : [];
const run = (args: string[]) => spawnSync('npx', ['vitest', 'run', ...args], { stdio: 'inherit', env }).status ?? 1;
const inProcess = run([
  ...report('cluster'),
  'test/cluster.test.ts',
  'test/coupons.test.ts',
  'test/coupons.lua.test.ts',
  'test/orders.test.ts',
  'test/stock.lua.test.ts',
  'test/popular.test.ts',
  'test/rebuild.test.ts',
  'test/payments.test.ts',
]);
const processes = run([
  ...report('cluster-processes'),
  '-c',
  'vitest.faults.config.ts',
  'test/faults/worker-crash.test.ts',
  'test/faults/api-crash.test.ts',
]);
process.exit(inProcess || processes);
