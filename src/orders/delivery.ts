import { createHmac } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { findEvents, recordAttempts, undeliveredEvents } from './orders.repo.ts';

/** Retries: 1 s, 2 s, 4 s ... (the first within 5 s, as the contract asks), 12 attempts ≈ 1 hour in all. */
export const DELIVERY_ATTEMPTS = 12;

/**
 * One job delivers a batch of events (a committed batch of orders, or one cancellation): under a rush, a queue
 * job per order would cost the workers more than the orders cost the API. The job id comes from the first event
 * (`evt-<eventId>` for one event), so a re-queue of the same events folds into the job while it exists.
 */
const deliveryJob = (eventIds: string[]) => ({
  name: 'deliver',
  data: { eventIds },
  opts: {
    jobId: `evt-${eventIds[0]}${eventIds.length > 1 ? `-${eventIds.length}` : ''}`,
    attempts: DELIVERY_ATTEMPTS,
    backoff: { type: 'exponential' as const, delay: 1_000 },
    removeOnComplete: { age: 86_400, count: 10_000 },
    removeOnFail: false, // failures stay visible in the dashboard, and keep the relay from re-adding them
  },
});

/** Queues the delivery of `eventIds` as one job. */
export async function enqueueDeliveries(deps: Pick<Deps, 'queues'>, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  const job = deliveryJob(eventIds);
  await deps.queues.delivery.add(job.name, job.data, job.opts);
}

export const enqueueDelivery = (deps: Deps, eventId: string) => enqueueDeliveries(deps, [eventId]);

/** The most events one coalesced delivery job carries. */
const MAX_COALESCED = 1_000;

/**
 * Gathers the events of committed batches and queues them as one delivery job per `windowMs` (or per
 * MAX_COALESCED events): under a rush the committer finishes dozens of batches a second, and every queue job
 * costs the workers three BullMQ scripts whatever its size. Delivery is at least once and never delays an order:
 * what a crash loses here is still undelivered in the outbox, and the relay queues it.
 */
export function createDeliveryBatcher(deps: Pick<Deps, 'queues' | 'logger'>, windowMs: number) {
  let pending: string[] = [];
  let timer: NodeJS.Timeout | null = null;
  const flush = async (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    const ids = pending;
    pending = [];
    await enqueueDeliveries(deps, ids).catch((err: unknown) => {
      deps.logger.warn({ err, events: ids.length }, 'queueing deliveries failed; the relay queues them');
    });
  };
  return {
    add(eventIds: string[]): void {
      pending.push(...eventIds);
      if (pending.length >= MAX_COALESCED || windowMs === 0) void flush();
      else timer ??= setTimeout(() => void flush(), windowMs);
    },
    /** Queues what is gathered now (at shutdown, before the queues close). */
    flush,
  };
}

export type DeliveryBatcher = ReturnType<typeof createDeliveryBatcher>;

export const sign = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** How many POSTs of one batch are in flight at once. */
const PARALLEL_POSTS = 16;

/**
 * Delivers a batch of outbox events: each is POSTed to DATA_PLATFORM_URL with its stored bytes, its stable event
 * id and an HMAC signature (with no URL, recorded locally). The delivered ones are marked in one write; if any
 * failed, the job throws and BullMQ retries it with backoff, skipping those already delivered. At least once.
 */
export async function deliverEvents(deps: Deps, eventIds: string[]): Promise<{ delivered: number }> {
  const rows = await findEvents(deps.db, eventIds);
  const pending = rows.filter((r) => r.deliveredAt === null);
  const { DATA_PLATFORM_URL: url, DATA_PLATFORM_SECRET: secret } = deps.config;
  const done: number[] = [];
  const failed: { id: number; err: unknown }[] = [];
  if (url && secret) {
    for (let i = 0; i < pending.length; i += PARALLEL_POSTS) {
      await Promise.all(
        pending.slice(i, i + PARALLEL_POSTS).map(async (event) => {
          try {
            const res = await fetch(url, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'x-event-id': event.eventId,
                'x-signature': sign(secret, event.payload),
              },
              body: event.payload,
              signal: AbortSignal.timeout(10_000),
            });
            await res.body?.cancel();
            if (res.status < 200 || res.status > 299)
              throw new Error(`data platform answered ${res.status} for ${event.eventId}`);
            done.push(event.id);
          } catch (err) {
            failed.push({ id: event.id, err });
          }
        }),
      );
    }
  } else {
    if (pending.length > 0)
      deps.logger.info(
        { events: pending.length, first: pending[0]!.eventId },
        'order events recorded locally (no DATA_PLATFORM_URL)',
      );
    done.push(...pending.map((e) => e.id));
  }
  // One write for the delivered ones (attempts and the mark together), one for the failed: under a rush every
  // write here competes with the orders' commits.
  await recordAttempts(deps.db, done, new Date(deps.clock.now()));
  if (failed.length > 0) {
    deps.counters.deliveryFailed(failed.length);
    await recordAttempts(
      deps.db,
      failed.map((f) => f.id),
      null,
    );
    throw new Error(`${failed.length} of ${pending.length} deliveries failed`, { cause: failed[0]!.err });
  }
  return { delivered: done.length };
}

/** Re-queues events whose job was never added (the API died right after its commit). */
export async function relayPendingEvents(deps: Deps, olderThanMs = 30_000): Promise<number> {
  const eventIds = await undeliveredEvents(deps.db, new Date(deps.clock.now() - olderThanMs), 1_000);
  for (const eventId of eventIds) await enqueueDelivery(deps, eventId);
  return eventIds.length;
}
