import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';

// A request that finds no free socket (at most `connections`) waits for one, and its wait counts in its latency.

/** One request of an open-loop run: what `LoadSpec.request` gives, plus the route's method and path. */
export type OpenRequest = {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  context?: Record<string, unknown>;
};

export type OpenLoopSpec = {
  /** requests per second, each sent on its own schedule whatever the answers do */
  rate: number;
  durationS: number;
  next: () => OpenRequest;
  onResponse?: (status: number, context?: Record<string, unknown>) => void;
  onTick?: ((second: number, requests: number, byStatus: Record<string, number>, p99: number) => void) | undefined;
};

export type OpenLoopResult = {
  latencies: hdr.Histogram;
  byStatus: Record<string, number>;
  answers: number;
  errors: number;
  timeouts: number;
  firstAt: number;
  lastAt: number;
};

/** An answer later than this is a timeout (autocannon's limit in the closed loop, 10 s). */
const TIMEOUT_MS = 10_000;

/**
 * A fixed arrival rate: request i is due at start + i / rate and is sent then, however many are still
 * unanswered, and its latency is counted from when it was due (so a server that stalls is charged for every
 * request it kept waiting: no coordinated omission). autocannon's `overallRate` is not this: each connection sends
 * its per-second quota back to back at the top of every second, a closed-loop burst once a second. Runs share
 * their sockets, all opened before the first (`connections` requests to PRIME_PATH at once), so no run measures a
 * connect.
 */
export function createOpenLoop(url: string, connections: number) {
  const pool = new Pool(new URL(url).origin, {
    connections,
    pipelining: 1,
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
  });
  // Connecting is not what a run measures: opened lazily, 100 sockets connecting while 11,000 requests a second
  // fall due left the bare Hono server with p99 132-146 ms in the first run on a pool, against 3 ms once connected.
  let primed: Promise<void> | undefined;
  const prime = () =>
    Promise.all(
      Array.from({ length: connections }, () =>
        pool.request({ method: 'GET', path: PRIME_PATH }).then(
          (res) => res.body.dump(),
          () => undefined,
        ),
      ),
    ).then(() => undefined);
  return {
    run: async (spec: OpenLoopSpec) => {
      primed ??= prime();
      await primed;
      return schedule(pool, spec);
    },
    close: () => pool.close(),
  };
}

/** What opens the sockets before the first run: any answer will do, a 404 too. */
export const PRIME_PATH = '/health';

async function schedule(pool: Pool, spec: OpenLoopSpec): Promise<OpenLoopResult> {
  const latencies = hdr.build();
  const second = { n: 0, requests: 0, byStatus: {} as Record<string, number> };
  const result: OpenLoopResult = {
    latencies,
    byStatus: {},
    answers: 0,
    errors: 0,
    timeouts: 0,
    firstAt: Date.now(),
    lastAt: 0,
  };
  const total = Math.round(spec.rate * spec.durationS);
  const intervalMs = 1000 / spec.rate;
  const start = performance.now();
  const pending = new Set<Promise<void>>();

  const send = (due: number) => {
    const r = spec.next();
    const p = pool
      .request({
        method: r.method,
        path: r.path,
        headers: r.headers ?? {},
        ...(r.body === undefined ? {} : { body: r.body }),
      })
      .then(async (res) => {
        await res.body.dump();
        latencies.recordValue(Math.max(1, Math.round(performance.now() - due)));
        const status = String(res.statusCode);
        result.byStatus[status] = (result.byStatus[status] ?? 0) + 1;
        second.byStatus[status] = (second.byStatus[status] ?? 0) + 1;
        result.answers++;
        second.requests++;
        spec.onResponse?.(res.statusCode, r.context);
      })
      .catch((err: { code?: string }) => {
        if (err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT') result.timeouts++;
        else result.errors++;
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  };

  // Every millisecond (or as soon as the event loop can), send what has fallen due since the last look.
  await new Promise<void>((resolve) => {
    let sent = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) send(start + sent++ * intervalMs);
      const elapsedS = Math.floor((now - start) / 1000);
      while (second.n < elapsedS && second.n < spec.durationS) {
        second.n++;
        spec.onTick?.(second.n, second.requests, second.byStatus, latencies.getValueAtPercentile(99));
        second.requests = 0;
        second.byStatus = {};
      }
      if (sent >= total) {
        clearInterval(ticker);
        resolve();
      }
    }, 1);
  });
  await Promise.all(pending);
  result.lastAt = Date.now();
  return result;
}
