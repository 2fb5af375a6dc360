import { Counter, Gauge, type Registry } from 'prom-client';

/** How an issue request ended, as `engine_coupon_issue_total{result}` counts it. */
export const ISSUE_RESULTS = [
  'issued',
  'sold_out',
  'already_issued',
  'not_issuable',
  'rate_limited',
  'not_found',
  'restoring',
] as const;
export type IssueResult = (typeof ISSUE_RESULTS)[number];

/**
 * The flash-sale counters of one process (the primary sums every process's on /metrics). Counted in memory from
 * answers the request already has: no round trip is added to the hot path.
 */
export function createEngineMetrics(registry: Registry) {
  const issues = new Counter({
    name: 'engine_coupon_issue_total',
    help: 'Coupon issue requests by result',
    labelNames: ['result'],
    registers: [registry],
  });
  const orders = new Counter({
    name: 'engine_orders_total',
    help: 'Order requests by result: paid, or the error code of the refusal (lower case)',
    labelNames: ['result'],
    registers: [registry],
  });
  const deliveryFailures = new Counter({
    name: 'engine_delivery_failures_total',
    help: 'Deliveries to the data platform that failed (each is retried with backoff)',
    registers: [registry],
  });
  const drift = new Gauge({
    name: 'engine_drift',
    help: 'Redis minus MySQL after accounting for work in flight (0 = agree): issued coupons, option stock',
    labelNames: ['kind', 'id'],
    registers: [registry],
  });
  // Children made once: a labelled inc() per request would look the label set up every time.
  const issueBy = Object.fromEntries(ISSUE_RESULTS.map((r) => [r, issues.labels(r)])) as Record<IssueResult, Counter>;
  for (const r of ISSUE_RESULTS) issueBy[r].inc(0);
  orders.labels('paid').inc(0);
  return {
    issue: (result: IssueResult) => issueBy[result].inc(),
    order: (result: string) => orders.labels(result).inc(),
    deliveryFailed: (n: number) => deliveryFailures.inc(n),
    /** the reconcile job's findings: each difference, every earlier one reset to 0 */
    drifts: (found: { kind: string; id: number; difference: number }[]) => {
      drift.reset();
      for (const d of found) drift.set({ kind: d.kind, id: String(d.id) }, d.difference);
    },
  };
}

export type EngineMetrics = ReturnType<typeof createEngineMetrics>;
