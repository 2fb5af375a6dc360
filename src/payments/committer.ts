import { Histogram } from 'prom-client';
import type { Deps } from '../deps.ts';
import { createGroupCommit } from '../lib/group-commit.ts';
import { commitPayments, type PaymentEntry, type PaymentResult } from './commit.ts';
import { orderIdPlan, type OrderIdPlan } from './payments.repo.ts';

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
  const seconds = new Histogram({
    name: 'engine_payment_batch_seconds',
    help: 'Time one batch of paid orders and charges takes to commit (its MySQL transaction, retries included)',
    buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
    registers: [deps.metrics],
  });
  const {
    PAYMENT_BATCH_MAX: maxBatch,
    PAYMENT_BATCH_CONCURRENCY: concurrency,
    PAYMENT_BATCH_WINDOW_MS: windowMs,
  } = deps.config;
  // Read from the server at the first batch (MySQL may come up after the engine); a failed read is tried again.
  let plan: Promise<OrderIdPlan> | undefined;
  const planOf = () =>
    (plan ??= orderIdPlan(deps.paymentsPool).catch((err: unknown) => {
      plan = undefined;
      throw err;
    }));
  return createGroupCommit<PaymentEntry, PaymentResult>(
    { maxBatch, concurrency, windowMs },
    async (batch) => {
      const end = seconds.startTimer();
      try {
        return await commitPayments(deps, batch, await planOf());
      } finally {
        end();
      }
    },
    (n) => sizes.observe(n),
  );
}

export type Payments = ReturnType<typeof createPayments>;
