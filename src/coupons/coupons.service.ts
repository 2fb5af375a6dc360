import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { iso, isoOrNull } from '../lib/clock.ts';
import { AppError } from '../lib/errors.ts';
import { toPage, type Page } from '../lib/pagination.ts';
import { assertUserExists } from '../users/users.service.ts';
import { IssueCode, issueError, RESEND_MARKER_TTL_S } from '../redis/codes.ts';
import { type DiscountType, expiryOf, visibleStatus } from './coupon-rules.ts';
import { countPersisted, findCoupon, insertCoupon, userCouponPage, type CouponRow } from './coupons.repo.ts';
import { restoreCouponState } from './coupons.state.ts';
import { unknownCouponAnswer } from '../jobs/rebuild.ts';
import type { IssueResult } from '../lib/engine-metrics.ts';

export type NewCouponInput = {
  name: string;
  discountType: DiscountType;
  discountValue: number;
  totalQuantity: number;
  issueStartsAt?: string | null | undefined;
  issueEndsAt?: string | null | undefined;
  validDays: number;
};

const toDate = (s: string | null | undefined) => (s ? new Date(s) : null);

export function couponView(c: CouponRow) {
  return {
    id: c.id,
    name: c.name,
    discountType: c.discountType,
    discountValue: c.discountValue,
    totalQuantity: c.totalQuantity,
    issueStartsAt: isoOrNull(c.issueStartsAt),
    issueEndsAt: isoOrNull(c.issueEndsAt),
    validDays: c.validDays,
    createdAt: iso(c.createdAt),
  };
}

/** The record first, then its Redis state; a failure between the two is repaired by the start-up rebuild. */
export async function createCoupon(deps: Deps, input: NewCouponInput) {
  const row = {
    ...input,
    issueStartsAt: toDate(input.issueStartsAt),
    issueEndsAt: toDate(input.issueEndsAt),
    createdAt: new Date(deps.clock.now()),
  };
  const id = await insertCoupon(deps.db, row);
  const coupon: CouponRow = { id, ...row };
  await restoreCouponState(deps, coupon);
  return couponView(coupon);
}

export async function getCouponStatus(deps: Deps, couponId: number) {
  const coupon = await findCoupon(deps.db, couponId);
  if (!coupon) throw new AppError('COUPON_NOT_FOUND');
  const k = deps.keys;
  if ((await deps.redis.exists(k.couponMeta(couponId))) === 0) await restoreCouponState(deps, coupon);
  const [[, issued], [, remaining]] = (await deps.redis
    .pipeline()
    .hlen(k.couponIssued(couponId))
    .get(k.couponStock(couponId))
    .exec()) as [[Error | null, number], [Error | null, string | null]];
  return {
    ...couponView(coupon),
    issuedCount: issued,
    remaining: Number(remaining ?? 0),
    persistedCount: await countPersisted(deps.db, couponId),
  };
}

const ISSUE_RESULT: Record<number, IssueResult> = {
  [IssueCode.Issued]: 'issued',
  [IssueCode.SoldOut]: 'sold_out',
  [IssueCode.AlreadyIssued]: 'already_issued',
  [IssueCode.NotIssuable]: 'not_issuable',
  [IssueCode.RateLimited]: 'rate_limited',
};

export type IssuedCopy = { couponId: number; userId: number; status: 'AVAILABLE'; issuedAt: string; expiresAt: string };

/**
 * The hot path: one Lua call decides everything (rate, window, dedupe, stock) and records the outbox entry;
 * MySQL is never touched here. The drain is poked, not awaited. A refusal is returned, not thrown: in a rush
 * almost every answer is one, and unwinding a rejection through the middleware chain costs more than the rest.
 */
export async function issueCoupon(deps: Deps, couponId: number, userId: number): Promise<IssuedCopy | AppError> {
  const k = deps.keys;
  const now = deps.clock.now();
  const [code, extra = 0] = await deps.redis.issueCoupon(
    k.couponMeta(couponId),
    k.couponStock(couponId),
    k.couponIssued(couponId),
    k.couponOutbox(couponId),
    k.issueRate(couponId, userId, now),
    k.issueRequest(couponId, randomUUID()),
    userId,
    now,
    deps.config.ISSUE_RATE_LIMIT,
    RESEND_MARKER_TTL_S,
  );
  if (code === IssueCode.UnknownCoupon) {
    const answer = await unknownCouponAnswer(deps, couponId);
    deps.counters.issue(answer.code === 'COUPON_NOT_FOUND' ? 'not_found' : 'restoring');
    return answer;
  }
  deps.counters.issue(ISSUE_RESULT[code] ?? 'not_found');
  if (code !== IssueCode.Issued) return issueError(code, extra);
  deps.drainTrigger.poke(couponId);
  return { couponId, userId, status: 'AVAILABLE' as const, issuedAt: iso(now), expiresAt: iso(expiryOf(now, extra)) };
}

export async function listUserCoupons(deps: Deps, userId: number, page: Page) {
  await assertUserExists(deps, userId);
  const rows = await userCouponPage(deps.readDb, userId, page.beforeId, page.limit);
  const now = deps.clock.now();
  return toPage(rows, page, (r) => ({
    couponId: r.couponId,
    name: r.name,
    discountType: r.discountType,
    discountValue: r.discountValue,
    status: visibleStatus(r.status, r.expiresAt, now),
    issuedAt: iso(r.issuedAt),
    expiresAt: iso(r.expiresAt),
    usedAt: isoOrNull(r.usedAt),
  }));
}
