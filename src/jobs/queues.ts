import { Queue, type ConnectionOptions } from 'bullmq';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';

/** Every queue of the engine; the dashboard shows all of them. */
export const QUEUE_NAMES = {
  couponDrain: 'coupon-drain',
  delivery: 'order-delivery',
  maintenance: 'maintenance',
} as const;

export type QueueKey = keyof typeof QUEUE_NAMES;
export type Queues = Record<QueueKey, Queue>;

/** BullMQ prints queue errors to the console unless listened to; these are logged at most once a minute per queue. */
export function createQueues(connection: RedisClient, keys: Keys, log?: { warn(o: object, m: string): void }): Queues {
  const make = (name: string) => {
    const queue = new Queue(name, { connection: connection as ConnectionOptions, prefix: keys.queuePrefix });
    let last = 0;
    queue.on('error', (err) => {
      if (Date.now() - last > 60_000) log?.warn({ err, queue: name }, 'queue error (further ones muted for a minute)');
      last = Date.now();
    });
    return queue;
  };
  return {
    couponDrain: make(QUEUE_NAMES.couponDrain),
    delivery: make(QUEUE_NAMES.delivery),
    maintenance: make(QUEUE_NAMES.maintenance),
  };
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.allSettled(Object.values(queues).map((q) => q.close()));
}
