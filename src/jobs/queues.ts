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

export function createQueues(connection: RedisClient, keys: Keys): Queues {
  const make = (name: string) => new Queue(name, { connection: connection as ConnectionOptions, prefix: keys.queuePrefix });
  return {
    couponDrain: make(QUEUE_NAMES.couponDrain),
    delivery: make(QUEUE_NAMES.delivery),
    maintenance: make(QUEUE_NAMES.maintenance),
  };
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.allSettled(Object.values(queues).map((q) => q.close()));
}
