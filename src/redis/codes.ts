import { AppError } from '../lib/errors.ts';

/** Mirrors the return codes of lua/issue-coupon.lua. */
export enum IssueCode {
  Issued = 1,
  SoldOut = -1,
  AlreadyIssued = -2,
  NotIssuable = -3,
  UnknownCoupon = -4,
  RateLimited = -5,
}

/** Mirrors the return codes of lua/reserve-stock.lua. */
export enum ReserveCode {
  Reserved = 1,
  OutOfStock = -1,
  NoStockKey = -2,
}

/** Mirrors the return codes of lua/adjust-stock.lua. */
export enum AdjustCode {
  Adjusted = 1,
  BelowZero = -1,
  NoStockKey = -2,
  AboveLimit = -3,
}

/** Mirrors the return codes of lua/release-stock.lua. */
export enum ReleaseCode {
  Released = 1,
  NothingToRelease = 0,
}

/** Mirrors the return codes of lua/restock-order.lua. */
export enum RestockCode {
  Restocked = 1,
  AlreadyDone = 0,
}

/** Mirrors the return codes of lua/ack-outbox.lua. */
export enum AckCode {
  Acknowledged = 1,
  /** another drainer re-claimed the batch and will acknowledge it */
  Stale = 0,
}

/** Mirrors the reply of lua/claim-outbox.lua: nothing to persist, or the batch's token and its entries. */
export type ClaimReply = [] | [token: string, ...entries: string[]];

/** Mirrors the reply of lua/confirm-stock.lua: how many reservations were confirmed by this call. */
export type ConfirmReply = number;

/** Mirrors the reply of lua/restore-coupon.lua: the coupon's restored stock. */
export type RestoreReply = number;

/**
 * How long a script remembers a request it applied, so that a resend after a lost reply is answered, not
 * applied again. ioredis resends on the reconnect right after the loss: seconds would do; an hour is generous.
 */
export const RESEND_MARKER_TTL_S = 3_600;

/** The AppError for a refused issuance. */
export function issueError(code: number, retryAfterMs = 1000): AppError {
  switch (code) {
    case IssueCode.SoldOut:
      return new AppError('COUPON_SOLD_OUT', 'All copies of this coupon have been issued');
    case IssueCode.AlreadyIssued:
      return new AppError('COUPON_ALREADY_ISSUED', 'You already hold this coupon');
    case IssueCode.NotIssuable:
      return new AppError('COUPON_NOT_ISSUABLE', 'The coupon is outside its issue window');
    case IssueCode.UnknownCoupon:
      return new AppError('COUPON_NOT_FOUND');
    case IssueCode.RateLimited:
      return new AppError('RATE_LIMITED', 'Too many issue requests; slow down', undefined, {
        'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
      });
    default:
      return new AppError('INTERNAL', `unexpected issue-coupon reply ${code}`);
  }
}
