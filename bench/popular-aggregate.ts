/**
 * Aggregation time of the popular-products job: 10,000 products with sales in each of 72 hourly buckets,
 * unioned, ranked, written to the statistics table and the Redis snapshot. `npm run bench:popular`.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { loadConfig } from '../src/config.ts';
import { parseDatabaseUrl, prepareDatabase } from '../src/db/client.ts';
import { closeDeps, createDeps } from '../src/deps.ts';
import { ROOT } from '../src/paths.ts';
import { refreshPopular } from '../src/popular/popular.service.ts';
import { windowOf } from '../src/popular/ranking.ts';
import { ensureServices } from '../scripts/services.ts';

const PRODUCTS = Number(process.env.POPULAR_PRODUCTS || 10_000);
const RUNS = 7;

export async function benchPopularAggregate() {
  await ensureServices();
  const id = randomBytes(4).toString('hex');
  const db = new URL(process.env.DATABASE_URL || 'mysql://root@127.0.0.1:3306/commerce');
  db.pathname = `/bench_pop_${id}`;
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    JWT_SECRET: 'bench-popular-secret-0123456789',
    DATABASE_URL: db.toString(),
    REDIS_PREFIX: `benchpop:${id}:`,
    LOG_LEVEL: 'warn',
  });
  await prepareDatabase(config.DATABASE_URL);
  const deps = await createDeps(config);
  try {
    const { hours } = windowOf(deps.clock.now());
    for (const hour of hours) {
      const pipe = deps.redis.pipeline();
      for (let p = 1; p <= PRODUCTS; p++) pipe.zadd(deps.keys.salesHour(hour), 1 + ((p * 7919 + hour) % 50), String(p));
      await pipe.exec();
    }
    const times: number[] = [];
    let top = '';
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const snap = await refreshPopular(deps);
      times.push(performance.now() - t);
      top = snap.items.map((x) => `${x.productId}:${x.salesCount}`).join(' ');
    }
    times.sort((a, b) => a - b);
    const result = {
      products: PRODUCTS,
      buckets: hours.length,
      runs: RUNS,
      minMs: +times[0]!.toFixed(1),
      medianMs: +times[Math.floor(RUNS / 2)]!.toFixed(1),
      maxMs: +times[RUNS - 1]!.toFixed(1),
      top,
    };
    console.log(
      `| popular aggregation | ${PRODUCTS} products × ${hours.length} hourly buckets | min ${result.minMs} ms | median ${result.medianMs} ms | max ${result.maxMs} ms |`,
    );
    writeFileSync(
      join(ROOT, 'bench', 'results', 'popular-aggregate.json'),
      JSON.stringify({ ...result, at: new Date().toISOString() }, null, 2),
    );
    return result;
  } finally {
    for (const hour of windowOf(deps.clock.now()).hours) await deps.redis.unlink(deps.keys.salesHour(hour));
    await deps.redis.unlink(deps.keys.popularSnapshot);
    await closeDeps(deps);
    const { database, ...server } = parseDatabaseUrl(config.DATABASE_URL);
    const conn = await mysql.createConnection(server);
    await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await conn.end();
  }
}

if (process.argv[1]?.match(/popular-aggregate\.(ts|js)$/)) await benchPopularAggregate();
