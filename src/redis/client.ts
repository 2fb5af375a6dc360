import { type Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config.ts';

export type RedisClient = Redis | Cluster;

/**
 * Without an 'error' listener ioredis reports every failed reconnect as unhandled. Logs the first failure of
 * an outage and the recovery, not each retry.
 */
export function watchConnection(
  client: RedisClient,
  log: { warn(o: object, m: string): void; info(o: object, m: string): void },
  name: string,
) {
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) log.warn({ err, client: name }, 'Redis connection failed; retrying');
    down = true;
  });
  client.on('ready', () => {
    if (down) log.info({ client: name }, 'Redis connection back');
    down = false;
  });
  return client;
}

/**
 * A hot command unanswered this long fails (503) instead of holding its request while Redis hangs. Its script
 * may still have run; every state-changing script is safe to resend, and reservations are swept.
 */
export const HOT_COMMAND_TIMEOUT_MS = 2_000;

/**
 * The hot-path client fails fast (no offline queue, one retry) so a Redis outage answers 503 at once instead of
 * piling requests up, and auto-pipelines: the commands of concurrent requests issued in one tick leave in one
 * socket write, which under a rush saves most of the syscalls. BullMQ gets its own connections with
 * `maxRetriesPerRequest: null`, as it requires.
 */
export function createRedis(config: Config, role: 'hot' | 'queue'): RedisClient {
  const options: RedisOptions =
    role === 'hot'
      ? {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          connectTimeout: 5_000,
          commandTimeout: HOT_COMMAND_TIMEOUT_MS,
          enableAutoPipelining: true,
        }
      : { maxRetriesPerRequest: null, enableReadyCheck: true };
  if (config.REDIS_CLUSTER_NODES) {
    const nodes = config.REDIS_CLUSTER_NODES.split(',').map((hp) => {
      const [host, port] = hp.split(':');
      return { host: host!, port: Number(port) };
    });
    const { enableAutoPipelining, enableOfflineQueue, ...perNode } = options;
    return new Redis.Cluster(nodes, {
      redisOptions: perNode,
      enableOfflineQueue: enableOfflineQueue ?? true,
      enableAutoPipelining: enableAutoPipelining ?? false,
      scaleReads: 'master',
      clusterRetryStrategy: (n: number) => Math.min(n * 100, 2_000),
    });
  }
  return new Redis(config.REDIS_URL, options);
}

/** Resolves once the client is ready, or rejects after `ms`. */
export function whenReady(client: RedisClient, ms = 10_000): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${ms} ms`));
    }, ms);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}
