import type { Pool } from 'mysql2/promise';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Config } from './config.ts';
import { createDb, createPool, createReadDb, type Db } from './db/client.ts';
import { createCaches, type Caches } from './lib/caches.ts';
import { systemClock, type Clock } from './lib/clock.ts';
import { createJwt, type Jwt } from './lib/jwt.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import type { MetricsHub } from './lib/metrics.ts';
import { createEngineMetrics, type EngineMetrics } from './lib/engine-metrics.ts';
import { createRedis, watchConnection, whenReady, type RedisClient } from './redis/client.ts';
import { createKeys, type Keys } from './redis/keys.ts';
import { registerScripts } from './redis/scripts.ts';
import { createDrainTrigger, type DrainTrigger } from './coupons/coupons.drain.ts';
import { closeQueues, createQueues, type Queues } from './jobs/queues.ts';
import { createPayments, type Payments } from './payments/committer.ts';
import { createDeliveryBatcher, type DeliveryBatcher } from './orders/delivery.ts';

/** Every client the engine uses, built in one place; handlers and jobs receive them, never import them. */
export type Deps = {
  config: Config;
  logger: Logger;
  clock: Clock;
  jwt: Jwt;
  keys: Keys;
  /** hot path: Lua scripts and small reads; fails fast */
  redis: RedisClient;
  /** BullMQ producers (queues); workers open their own */
  queueRedis: RedisClient;
  pool: Pool;
  /** the group committer's own connections (multi-statement round trips), one per batch in flight */
  paymentsPool: Pool;
  db: Db;
  /**
   * Reads that tolerate replica lag (product pages, lists, history): the replica when DATABASE_REPLICA_URL is
   * set, else the primary. Everything that decides (idempotency, stock, coupons, balances) reads `db`.
   */
  readDb: Db;
  replicaPool: Pool | null;
  metrics: Registry;
  /** the flash-sale counters (issues and orders by result, delivery failures) */
  counters: EngineMetrics;
  /** in the primary of a multi-process engine: gathers every process's metrics for /metrics */
  metricsHub: MetricsHub | null;
  queues: Queues;
  drainTrigger: DrainTrigger;
  /** the process's caches (catalog, known users, shared stock reads, the popular snapshot) */
  caches: Caches;
  /** the group committer of paid orders and point charges (src/payments) */
  payments: Payments;
  /** paid orders' events, gathered into delivery jobs */
  deliveries: DeliveryBatcher;
};

export type DepsOverrides = { clock?: Clock; logger?: Logger; metricsHub?: MetricsHub | null };

export async function createDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  const redis = watchConnection(registerScripts(createRedis(config, 'hot')), logger, 'hot');
  const queueRedis = watchConnection(createRedis(config, 'queue'), logger, 'queue');
  const pool = createPool(config.DATABASE_URL, config.MYSQL_POOL_SIZE);
  const db = createDb(pool);
  const paymentsPool = createPool(config.DATABASE_URL, config.PAYMENT_BATCH_CONCURRENCY, {
    multipleStatements: true,
    trace: false,
  });
  const replicaPool = config.DATABASE_REPLICA_URL
    ? createPool(config.DATABASE_REPLICA_URL, config.MYSQL_POOL_SIZE)
    : null;
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const keys = createKeys(config.REDIS_PREFIX);
  const queues = createQueues(queueRedis, keys, logger);
  const deps: Deps = {
    config,
    logger,
    clock: overrides.clock ?? systemClock,
    jwt: createJwt(config.JWT_SECRET),
    keys,
    redis,
    queueRedis,
    pool,
    paymentsPool,
    db,
    readDb: createReadDb(db, replicaPool),
    replicaPool,
    metrics,
    counters: createEngineMetrics(metrics),
    metricsHub: overrides.metricsHub ?? null,
    queues,
    drainTrigger: createDrainTrigger(queues.couponDrain, logger),
    caches: createCaches(),
    payments: undefined as unknown as Payments,
    deliveries: createDeliveryBatcher({ queues, logger }, config.DELIVERY_COALESCE_MS),
  };
  deps.payments = createPayments(deps);
  await whenReady(redis);
  return deps;
}

/** Closes in dependency order: nothing may still be writing when its client goes away. */
export async function closeDeps(deps: Deps): Promise<void> {
  await deps.payments.drained();
  await deps.deliveries.flush();
  deps.drainTrigger.close();
  await closeQueues(deps.queues);
  await Promise.allSettled([deps.redis.quit(), deps.queueRedis.quit()]);
  await deps.pool.end().catch(() => undefined);
  await deps.paymentsPool.end().catch(() => undefined);
  await deps.replicaPool?.end().catch(() => undefined);
}
