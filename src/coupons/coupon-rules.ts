/** The one list of discount kinds: the schema's enum, the API's zod enum and the pricing rule use it. */
export const DISCOUNT_TYPES = ['FIXED', 'PERCENT'] as const;
export type DiscountType = (typeof DISCOUNT_TYPES)[number];

export const DAY_MS = 86_400_000;

/** `expiresAt` = `issuedAt` + `validDays` × 24 h. */
export const expiryOf = (issuedAtMs: number, validDays: number) => issuedAtMs + validDays * DAY_MS;

/** EXPIRED is never stored: an AVAILABLE copy past its expiry reads as EXPIRED. */
export function visibleStatus(
  status: 'AVAILABLE' | 'USED',
  expiresAt: Date,
  now: number,
): 'AVAILABLE' | 'USED' | 'EXPIRED' {
  return status === 'AVAILABLE' && expiresAt.getTime() <= now ? 'EXPIRED' : status;
}

/** Outbox entries are "userId:issuedAtMs". */
export function parseOutboxEntry(entry: string): { userId: number; issuedAt: number } {
  const sep = entry.indexOf(':');
  return { userId: Number(entry.slice(0, sep)), issuedAt: Number(entry.slice(sep + 1)) };
}
