/**
 * Group commit: entries submitted while earlier batches are committing are gathered and committed together by
 * one call of `commit`. A lone entry goes at once (no added wait when there is no crowd); under a crowd each
 * batch holds what arrived while the previous ones were committing, up to `maxBatch`, and `windowMs` may hold a
 * batch a little longer to fill while another is in flight.
 */
export type GroupCommitOptions = { maxBatch: number; concurrency: number; windowMs: number };

/** `commit` answers each entry of its batch (a value, or an Error for that entry); if it throws, all fail with it. */
export type CommitBatch<E, R> = (batch: E[]) => Promise<(R | Error)[]>;

type Waiting<E, R> = { entry: E; resolve: (r: R) => void; reject: (e: unknown) => void };

export function createGroupCommit<E, R>(
  opts: GroupCommitOptions,
  commit: CommitBatch<E, R>,
  onBatch?: (size: number) => void,
) {
  const queue: Waiting<E, R>[] = [];
  let inFlight = 0;
  // biome-ignore lint/correctness/noUnusedVariables: read by `??=` below (one window timer at a time)
  let timer: NodeJS.Timeout | null = null;
  let soon = false;
  const idle: (() => void)[] = [];

  /** Commits one batch and answers each of its entries. */
  async function run(batch: Waiting<E, R>[]): Promise<void> {
    onBatch?.(batch.length);
    try {
      const results = await commit(batch.map((w) => w.entry));
      batch.forEach((w, i) => {
        const r = results[i];
        if (r instanceof Error) w.reject(r);
        else w.resolve(r as R);
      });
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }

  function pump(windowElapsed = false): void {
    while (queue.length > 0 && inFlight < opts.concurrency) {
      if (inFlight > 0 && opts.windowMs > 0 && !windowElapsed && queue.length < opts.maxBatch) {
        timer ??= setTimeout(() => {
          timer = null;
          pump(true);
        }, opts.windowMs);
        return;
      }
      windowElapsed = false;
      const batch = queue.splice(0, opts.maxBatch);
      inFlight++;
      void run(batch).finally(() => {
        inFlight--;
        pump();
        if (inFlight === 0 && queue.length === 0) for (const done of idle.splice(0)) done();
      });
    }
  }

  return {
    submit(entry: E): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        queue.push({ entry, resolve, reject });
        // Requests parsed in the same turn of the event loop join one batch: the flush waits for the end of the
        // turn (setImmediate, microseconds), not for a timer.
        if (!soon) {
          soon = true;
          setImmediate(() => {
            soon = false;
            pump();
          });
        }
      });
    },
    /** Resolves when nothing is queued or committing (for shutdown). */
    drained(): Promise<void> {
      if (inFlight === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
  };
}

export type GroupCommit<E, R> = ReturnType<typeof createGroupCommit<E, R>>;
