import { createHmac } from 'node:crypto';
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import { orderEvents } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';

/** Retries: 1 s, 2 s, 4 s ... (the first within 5 s, as the contract asks), 12 attempts ≈ 1 hour in all. */
export const DELIVERY_ATTEMPTS = 12;

const deliveryJob = (eventId: string) => ({
  name: 'deliver',
  data: { eventId },
  opts: {
    jobId: `evt-${eventId}`,
    attempts: DELIVERY_ATTEMPTS,
    backoff: { type: 'exponential' as const, delay: 1_000 },
    removeOnComplete: { age: 86_400, count: 10_000 },
    removeOnFail: false, // failures stay visible in the dashboard, and keep the relay from re-adding them
  },
});

export async function enqueueDelivery(deps: Deps, eventId: string): Promise<void> {
  const job = deliveryJob(eventId);
  await deps.queues.delivery.add(job.name, job.data, job.opts);
}

/** A batch's deliveries in one queue call. */
export async function enqueueDeliveries(deps: Deps, eventIds: string[]): Promise<void> {
  if (eventIds.length > 0) await deps.queues.delivery.addBulk(eventIds.map(deliveryJob));
}

export const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/**
 * Delivers one outbox event: POST to DATA_PLATFORM_URL with the stored bytes, its stable event id and an HMAC
 * signature; any non-2xx throws, and BullMQ retries with backoff. With no URL the event is recorded locally.
 */
export async function deliverEvent(deps: Deps, eventId: string): Promise<'delivered' | 'recorded' | 'already'> {
  const [event] = await deps.db.select().from(orderEvents).where(eq(orderEvents.eventId, eventId));
  if (!event) throw new Error(`no outbox row for event ${eventId}`);
  if (event.deliveredAt) return 'already';
  await deps.db.update(orderEvents).set({ attempts: sql`${orderEvents.attempts} + 1` }).where(eq(orderEvents.id, event.id));
  const { DATA_PLATFORM_URL: url, DATA_PLATFORM_SECRET: secret } = deps.config;
  let outcome: 'delivered' | 'recorded' = 'recorded';
  if (url && secret) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-event-id': eventId, 'x-signature': sign(secret, event.payload) },
      body: event.payload,
      signal: AbortSignal.timeout(10_000),
    });
    await res.body?.cancel();
    if (res.status < 200 || res.status > 299) throw new Error(`data platform answered ${res.status} for ${eventId}`);
    outcome = 'delivered';
  } else {
    deps.logger.info({ eventId, event: event.event, orderId: event.orderId }, 'order event recorded locally (no DATA_PLATFORM_URL)');
  }
  await deps.db.update(orderEvents).set({ deliveredAt: new Date(deps.clock.now()) }).where(eq(orderEvents.id, event.id));
  return outcome;
}

/** Re-queues events whose job was never added (the API died right after its commit). */
export async function relayPendingEvents(deps: Deps, olderThanMs = 30_000): Promise<number> {
  const rows = await deps.db
    .select({ eventId: orderEvents.eventId })
    .from(orderEvents)
    .where(and(isNull(orderEvents.deliveredAt), lt(orderEvents.createdAt, new Date(deps.clock.now() - olderThanMs))))
    .limit(1_000);
  for (const r of rows) await enqueueDelivery(deps, r.eventId);
  return rows.length;
}
