import autocannon, { type Request } from 'autocannon';
import * as hdr from 'hdr-histogram-js';
import { createOpenLoop } from './open-loop.ts';

export type LoadSpec = {
  url: string;
  method?: 'GET' | 'POST';
  path: string;
  /** headers and body for the n-th request (n counts from 0 over warm-up and measurement) */
  request?: (n: number) => {
    headers?: Record<string, string>;
    body?: string;
    path?: string;
    context?: Record<string, unknown>;
  };
  connections: number;
  durationS: number;
  warmupS: number;
  /** sampled every 250 ms during the measured run */
  sample?: () => number;
  /** sampled with `sample`: named parts (e.g. RSS per process), each kept at its peak */
  sampleParts?: () => Record<string, number>;
  /** CPU ms used so far by each process that serves the run: read before and after the measured run */
  cpu?: () => Record<string, number>;
  /** called for every answer, warm-up included, with the `context` its request set (per connection) */
  onResponse?: (status: number, context?: Record<string, any>) => void;
  /**
   * Open loop: requests per second, each sent when it falls due whatever the answers' latency, over at most
   * `connections` sockets (bench/lib/open-loop.ts). A closed loop slows down with the server and hides its
   * queueing (coordinated omission).
   */
  rate?: number;
  /** once a second during the measured run: that second's requests and answers by status, and p99 so far */
  onProgress?: (p: { second: number; requests: number; byStatus: Record<string, number>; p99: number }) => void;
};

export type LoadResult = {
  reqPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  total: number;
  byStatus: Record<string, number>;
  errors: number;
  timeouts: number;
  peakSample: number | null;
  peakParts: Record<string, number>;
  firstAt: number;
  lastAt: number;
  /** CPU ms each process of `cpu` used during the measured run */
  cpuMs: Record<string, number>;
};

/** What one measured run gives, before the samples and CPU reads around it are added. */
type Measured = Omit<LoadResult, 'peakSample' | 'peakParts' | 'cpuMs'>;

/**
 * One run after a warm-up run (autocannon's closed loop, or the open loop at `rate`); both share the request
 * counter so warm-up requests are distinct too.
 */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  const run = spec.rate ? openLoopRun(spec, spec.rate) : closedLoopRun(spec);
  await run.warmUp();
  let peak: number | null = null;
  const peakParts: Record<string, number> = {};
  const timer = spec.sample
    ? setInterval(() => {
        peak = Math.max(peak ?? 0, spec.sample!());
        for (const [k, v] of Object.entries(spec.sampleParts?.() ?? {})) peakParts[k] = Math.max(peakParts[k] ?? 0, v);
      }, 250)
    : null;
  const cpuBefore = spec.cpu?.() ?? {};
  const measured = await run.measure();
  const cpuAfter = spec.cpu?.() ?? {};
  if (timer) clearInterval(timer);
  return {
    ...measured,
    peakSample: peak,
    peakParts,
    cpuMs: Object.fromEntries(Object.entries(cpuAfter).map(([k, v]) => [k, v - (cpuBefore[k] ?? 0)])),
  };
}

/** The closed loop: autocannon, each connection sending its next request when the last is answered. */
function closedLoopRun(spec: LoadSpec) {
  let n = 0;
  const requests: Request[] = [
    {
      method: spec.method ?? 'GET',
      path: spec.path,
      ...(spec.onResponse
        ? {
            onResponse: (status: number, _body: string, context: object) =>
              spec.onResponse!(status, context as Record<string, any>),
          }
        : {}),
      setupRequest: (req: Request, context: object) => {
        const r = spec.request?.(n++) ?? {};
        if (r.context) Object.assign(context, r.context);
        return {
          ...req,
          ...(r.path ? { path: r.path } : {}),
          headers: { ...req.headers, ...r.headers },
          ...(r.body ? { body: r.body } : {}),
        };
      },
    },
  ];
  const base = { url: spec.url, connections: spec.connections, requests, timeout: 10 } as const;
  return {
    async warmUp() {
      if (spec.warmupS > 0) await autocannon({ ...base, duration: spec.warmupS });
    },
    async measure(): Promise<Measured> {
      const firstAt = Date.now();
      let run!: autocannon.Instance;
      const done = new Promise<autocannon.Result>((resolve, reject) => {
        run = autocannon({ ...base, duration: spec.durationS }, (err, result) => (err ? reject(err) : resolve(result)));
      });
      if (spec.onProgress) {
        const latencies = hdr.build();
        let second = 0;
        let byStatus: Record<string, number> = {};
        run.on('response', (_client, status, _bytes, ms) => {
          latencies.recordValue(Math.max(1, Math.round(ms)));
          byStatus[status] = (byStatus[status] ?? 0) + 1;
        });
        // 'tick' (once a second, with that second's count) is emitted by autocannon but missing from its types.
        (run as NodeJS.EventEmitter).on('tick', ({ counter }: { counter: number }) => {
          if (second >= spec.durationS) return; // the tick that closes the run carries no full second
          spec.onProgress!({ second: ++second, requests: counter, byStatus, p99: latencies.getValueAtPercentile(99) });
          byStatus = {};
        });
      }
      const r = await done;
      const byStatus: Record<string, number> = {};
      for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) byStatus[code] = s?.count ?? 0;
      return {
        reqPerSec: Math.round(r.requests.average),
        p50: r.latency.p50,
        p90: r.latency.p90,
        p99: r.latency.p99,
        p999: r.latency.p99_9,
        max: r.latency.max,
        total: r.requests.total,
        byStatus,
        errors: r.errors,
        timeouts: r.timeouts,
        firstAt,
        lastAt: Date.now(),
      };
    },
  };
}

/** The open loop at `rate` (bench/lib/open-loop.ts), over at most `connections` sockets. */
function openLoopRun(spec: LoadSpec, rate: number) {
  let n = 0;
  const next = () => {
    const r = spec.request?.(n++) ?? {};
    return {
      method: spec.method ?? 'GET',
      path: r.path ?? spec.path,
      ...(r.headers ? { headers: r.headers } : {}),
      ...(r.body === undefined ? {} : { body: r.body }),
      ...(r.context ? { context: r.context } : {}),
    };
  };
  const loop = createOpenLoop(spec.url, spec.connections);
  return {
    async warmUp() {
      if (spec.warmupS > 0) await loop.run({ rate, next, durationS: spec.warmupS });
    },
    async measure(): Promise<Measured> {
      try {
        const r = await loop.run({
          rate,
          next,
          durationS: spec.durationS,
          ...(spec.onResponse ? { onResponse: spec.onResponse } : {}),
          ...(spec.onProgress
            ? {
                onTick: (second: number, requests: number, byStatus: Record<string, number>, p99: number) =>
                  spec.onProgress!({ second, requests, byStatus, p99 }),
              }
            : {}),
        });
        const l = r.latencies;
        return {
          reqPerSec: Math.round(r.answers / spec.durationS),
          p50: l.getValueAtPercentile(50),
          p90: l.getValueAtPercentile(90),
          p99: l.getValueAtPercentile(99),
          p999: l.getValueAtPercentile(99.9),
          max: l.maxValue,
          total: r.answers,
          byStatus: r.byStatus,
          errors: r.errors,
          timeouts: r.timeouts,
          firstAt: r.firstAt,
          lastAt: r.lastAt,
        };
      } finally {
        await loop.close();
      }
    },
  };
}
