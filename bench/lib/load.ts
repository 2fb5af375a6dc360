import autocannon, { type Request } from 'autocannon';

export type LoadSpec = {
  url: string;
  method?: 'GET' | 'POST';
  path: string;
  /** headers and body for the n-th request (n counts from 0 over warm-up and measurement) */
  request?: (n: number) => { headers?: Record<string, string>; body?: string; path?: string };
  connections: number;
  durationS: number;
  warmupS: number;
  /** sampled every 250 ms during the measured run */
  sample?: () => number;
  /** sampled with `sample`: named parts (e.g. RSS per process), each kept at its peak */
  sampleParts?: () => Record<string, number>;
  /** called for every answer, warm-up included */
  onResponse?: (status: number) => void;
  /**
   * Open loop: requests per second across all connections (autocannon's overallRate), whatever the answers'
   * latency. A closed loop slows down with the server and hides its queueing (coordinated omission).
   */
  rate?: number;
};

export type LoadResult = {
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  total: number;
  byStatus: Record<string, number>;
  errors: number;
  timeouts: number;
  peakSample: number | null;
  peakParts: Record<string, number>;
  firstAt: number;
  lastAt: number;
};

/** One autocannon run after a warm-up run; both share the request counter so warm-up requests are distinct too. */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  let n = 0;
  const requests: Request[] = [
    {
      method: spec.method ?? 'GET',
      path: spec.path,
      ...(spec.onResponse ? { onResponse: (status: number) => spec.onResponse!(status) } : {}),
      setupRequest: (req: Request) => {
        const r = spec.request?.(n++) ?? {};
        return { ...req, ...(r.path ? { path: r.path } : {}), headers: { ...req.headers, ...r.headers }, ...(r.body ? { body: r.body } : {}) };
      },
    },
  ];
  const base = { url: spec.url, connections: spec.connections, requests, timeout: 10, ...(spec.rate ? { overallRate: spec.rate } : {}) } as const;
  if (spec.warmupS > 0) await autocannon({ ...base, duration: spec.warmupS });

  let peak: number | null = null;
  const peakParts: Record<string, number> = {};
  const timer = spec.sample
    ? setInterval(() => {
        peak = Math.max(peak ?? 0, spec.sample!());
        for (const [k, v] of Object.entries(spec.sampleParts?.() ?? {})) peakParts[k] = Math.max(peakParts[k] ?? 0, v);
      }, 250)
    : null;
  const firstAt = Date.now();
  const r = await autocannon({ ...base, duration: spec.durationS });
  const lastAt = Date.now();
  if (timer) clearInterval(timer);
  const byStatus: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) byStatus[code] = s?.count ?? 0;
  return {
    reqPerSec: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    total: r.requests.total,
    byStatus,
    errors: r.errors,
    timeouts: r.timeouts,
    peakSample: peak,
    peakParts,
    firstAt,
    lastAt,
  };
}
