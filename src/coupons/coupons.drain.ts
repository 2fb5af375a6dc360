import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Deps } from '../deps.ts';
import type { Logger } from '../lib/logger.ts';
import { expiryOf, parseOutboxEntry } from './coupon-rules.ts';
import { runStatement } from '../db/statements.ts';
import { findCoupon, insertCopies } from './coupons.repo.ts';
import { AckCode } from '../redis/codes.ts';

export type DrainHooks = { batchSize?: number; afterInsert?: (n: number) => void | Promise<void> };

/**
 * Moves a coupon's outbox into `user_coupons` until it is empty: claim a batch, multi-row insert, acknowledge.
 * At least once: a drainer that dies after its insert leaves the batch in flight, and the next claim replays
 * it against the unique key. Returns the number of entries persisted by this call.
 */
export async function drainCoupon(deps: Deps, couponId: number, hooks: DrainHooks = {}): Promise<number> {
  const k = deps.keys;
  let validDays: number | null = null;
  let persisted = 0;
  for (;;) {
    const token = randomUUID();
    const reply = await deps.redis.claimOutbox(
      k.couponOutbox(couponId),
      k.couponInflight(couponId),
      k.couponInflightToken(couponId),
      hooks.batchSize ?? deps.config.COUPON_DRAIN_BATCH,
      token,
    );
    if (reply.length === 0) return persisted;
    if (validDays === null) {
      const coupon = await findCoupon(deps.db, couponId);
      if (!coupon) throw new Error(`coupon ${couponId} has an outbox in Redis but no row in MySQL`);
      validDays = coupon.validDays;
    }
    const rows = reply.slice(1).map((entry) => {
      const { userId, issuedAt } = parseOutboxEntry(entry);
      return { couponId, userId, issuedAt: new Date(issuedAt), expiresAt: new Date(expiryOf(issuedAt, validDays!)) };
    });
    await runStatement(deps.pool, insertCopies(rows));
    await hooks.afterInsert?.(rows.length);
    persisted += rows.length;
    const acked = await deps.redis.ackOutbox(k.couponInflight(couponId), k.couponInflightToken(couponId), token);
    // Stale: another drainer re-claimed this batch and will acknowledge it; it carries on from here.
    if (acked === AckCode.Stale) return persisted;
  }
}

/** The repeatable job that drains every active coupon. */
export const DRAIN_ALL_JOB = 'drain-all';

/** Drains every active coupon; the periodic safety net behind the per-issue trigger. */
export async function drainAll(deps: Deps): Promise<number> {
  const ids = await deps.redis.smembers(deps.keys.couponsActive);
  let n = 0;
  for (const id of ids) n += await drainCoupon(deps, Number(id));
  return n;
}

/**
 * Asks for a drain soon after an issuance without a queue call per request: issuances within a few
 * milliseconds fold into one job, and the fixed job id folds it further while a drain is queued or running.
 * A failed drain is removed at once (and logged), so its id never blocks the next trigger.
 */
export function createDrainTrigger(queue: Queue, log: Logger, delayMs = 10) {
  const pending = new Set<number>();
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    const ids = [...pending];
    pending.clear();
    for (const couponId of ids) {
      queue
        .add('drain', { couponId }, { jobId: `drain-${couponId}`, removeOnComplete: true, removeOnFail: true })
        .catch((err: unknown) =>
          log.warn({ err, couponId }, 'could not queue a coupon drain; the periodic drain will pick it up'),
        );
    }
  };
  return {
    poke(couponId: number) {
      pending.add(couponId);
      timer ??= setTimeout(flush, delayMs);
    },
    close() {
      if (timer) clearTimeout(timer);
      timer = null;
      pending.clear();
    },
  };
}

export type DrainTrigger = ReturnType<typeof createDrainTrigger>;
