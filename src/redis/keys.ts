/**
 * The only place Redis keys are built. Keys one script touches share a hash tag (the part in braces), so each
 * script runs on one Redis Cluster slot: a coupon's keys by its id, all option stock under `{stock}`.
 */
export function createKeys(prefix: string) {
  const coupon = (id: number) => `${prefix}coupon:{${id}}`;
  return {
    prefix,
    /** BullMQ's own prefix; the tag keeps every queue key on one slot. */
    queuePrefix: `${prefix}{q}`,
    couponMeta: (id: number) => `${coupon(id)}:meta`,
    couponStock: (id: number) => `${coupon(id)}:stock`,
    /** hash userId → issuedAt (ms): the dedupe set, with the time an order needs if the row is not drained yet */
    couponIssued: (id: number) => `${coupon(id)}:issued`,
    couponOutbox: (id: number) => `${coupon(id)}:outbox`,
    couponInflight: (id: number) => `${coupon(id)}:inflight`,
    couponInflightToken: (id: number) => `${coupon(id)}:inflight-token`,
    /** every coupon whose outbox the drainer should look at */
    couponsActive: `${prefix}coupons:active`,
    /** a user's issue requests in one second of the engine's clock (a fixed window, so tests move it by the clock) */
    issueRate: (couponId: number, userId: number, nowMs: number) =>
      `${coupon(couponId)}:rate:${userId}:${Math.floor(nowMs / 1000)}`,
    /** marks that one issue request (by its id) won a copy, so a resent script answers it again */
    issueRequest: (couponId: number, requestId: string) => `${coupon(couponId)}:req:${requestId}`,
    /**
     * Option stock lives under one tag so that a multi-item reservation is one atomic script even on a cluster:
     * co-location, chosen over per-shard compensation (see README, "Past one machine").
     */
    optionStock: (optionId: number) => `${prefix}{stock}:option:${optionId}`,
    reservations: `${prefix}{stock}:reservations`,
    reservation: (rid: string) => `${prefix}{stock}:reservation:${rid}`,
    restocked: (orderId: number) => `${prefix}{stock}:restocked:${orderId}`,
    /** marks that one stock correction (by its request id) was applied, so a resent script applies it once */
    stockAdjusted: (requestId: string) => `${prefix}{stock}:adjusted:${requestId}`,
    /** units sold per product in one UTC hour; same tag as the reservations so confirming counts atomically */
    salesHour: (hour: number) => `${prefix}{stock}:sales:${hour}`,
    /** scratch key of one aggregation run (deleted after it) */
    salesUnion: (runAt: number) => `${prefix}{stock}:sales:union:${runAt}`,
    popularSnapshot: `${prefix}popular:snapshot`,
    /** set once Redis holds every coupon's and option's state (a flushed Redis has neither marker) */
    rebuildReady: `${prefix}{rebuild}:ready`,
    /** while a rebuild runs: the highest coupon id it restores (ids above it are truly unknown) */
    rebuildRestoring: `${prefix}{rebuild}:restoring`,
  };
}

export type Keys = ReturnType<typeof createKeys>;
