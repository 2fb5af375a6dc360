import { Histogram } from 'prom-client';
import type { Deps } from '../deps.ts';
import { createGroupCommit } from '../lib/group-commit.ts';
import { commitPayments, type PaymentEntry, type PaymentResult } from './commit.ts';

/**
 * The process's group committer of paid orders and point charges (configured by PAYMENT_BATCH_*), with the
 * size of every batch it commits exported as `engine_payment_batch_size`.
 */
export function createPayments(deps: Deps) {
  const sizes = new Histogram({
    name: 'engine_payment_batch_size',
    help: 'Paid orders and charges committed together in one MySQL transaction',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [deps.metrics],
  });
  const { PAYMENT_BATCH_MAX: maxBatch, PAYMENT_BATCH_CONCURRENCY: concurrency, PAYMENT_BATCH_WINDOW_MS: windowMs } = deps.config;
  return createGroupCommit<PaymentEntry, PaymentResult>(
    { maxBatch, concurrency, windowMs },
    (batch) => commitPayments(deps, batch),
    (n) => sizes.observe(n),
  );
}

export type Payments = ReturnType<typeof createPayments>;
