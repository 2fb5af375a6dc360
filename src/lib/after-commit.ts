import type { Logger } from './logger.ts';

/** How long an answer waits for the steps after its commit; past it, the answer goes and the jobs repair them. */
export const AFTER_COMMIT_WAIT_MS = 1_000;

/**
 * The committed answer never waits on a dead dependency: the steps after a commit (live stock, delivery queue)
 * get a bounded wait, and each is repaired by a job if it failed or is still hanging (BullMQ's connection
 * queues commands while Redis is down, so a queue call can hang for the whole outage).
 */
export async function afterCommit(log: Logger, context: object, steps: Promise<unknown>[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), AFTER_COMMIT_WAIT_MS)));
  const outcome = await Promise.race([Promise.allSettled(steps), late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    log.warn(context, 'post-commit steps still running; answering now, the jobs repair what does not finish');
    return;
  }
  for (const r of outcome)
    if (r.status === 'rejected') log.warn({ ...context, err: r.reason }, 'post-commit step failed; a job repairs it');
}
