import { prometheus } from '@hono/prometheus';
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import {
  AggregatorRegistry,
  type Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from 'prom-client';

/**
 * The request-duration histogram by method, route and status, as middleware. @hono/prometheus' request counter is
 * off: it would only repeat the histogram's _count, at a second label lookup per request.
 */
export const httpMetrics = (registry: Registry) =>
  prometheus({ registry, metricOptions: { requestsTotal: { disabled: true } } }).registerMetrics;

/** @hono/prometheus' name for the histogram httpMetrics registers. */
const REQUEST_DURATION = 'http_request_duration_seconds';
export type RequestLabels = { method: string; route: string; status: string; ok: string };

/**
 * The histogram httpMetrics registered in `registry`, for the requests answered before Hono (src/lib/lean-route.ts):
 * one series per route whichever path answered it.
 */
export function requestDurations(registry: Registry): Histogram<keyof RequestLabels> {
  const histogram = registry.getSingleMetric(REQUEST_DURATION);
  if (!histogram) throw new Error(`${REQUEST_DURATION} is not registered: build the app (httpMetrics) first`);
  return histogram as Histogram<keyof RequestLabels>;
}

/**
 * prom-client registries are per process, and the engine is several (the API, the workers, more API processes
 * with WEB_CONCURRENCY). The primary is the hub: every child answers it with its metrics as JSON over the IPC
 * channel its fork opened, the hub adds its own, and prom-client's `AggregatorRegistry.aggregate` sums them (or
 * applies each metric's own aggregator) into one exposition. `/metrics` served by a child asks the hub.
 */
const ASK_PROCESS = 'engine:metrics:process';
const PROCESS_METRICS = 'engine:metrics:process-reply';
const ASK_ENGINE = 'engine:metrics:engine';
const ENGINE_METRICS = 'engine:metrics:engine-reply';
const WAIT_MS = 3_000;

type Json = MetricObjectWithValues<MetricValue<string>>[];
type Message = { type?: string; id?: string; metrics?: Json; text?: string; error?: string };
/** A child process with an IPC channel: a node:cluster worker or a child_process fork. */
export type MetricsChild = { send(message: object): unknown; isConnected?(): boolean; connected?: boolean };

const isMessage = (m: unknown): m is Message => typeof m === 'object' && m !== null && 'type' in m;

/** In a child: answer the hub with this process's metrics. */
export function serveMetricsToPrimary(registry: Registry): void {
  if (!process.send) return;
  process.on('message', (m: unknown) => {
    if (!isMessage(m) || m.type !== ASK_PROCESS) return;
    void registry.getMetricsAsJSON().then((metrics) => process.send?.({ type: PROCESS_METRICS, id: m.id, metrics }));
  });
}

/**
 * In the primary: gathers the whole engine's metrics from `own` (this process's registry, if it has one) and
 * every child; `onMessage` must receive each child's messages (it answers a child's scrape too).
 */
export function createMetricsHub(own: () => Registry | null, children: () => MetricsChild[]) {
  const pending = new Map<string, { replies: Json[]; waiting: number; done: (m: Json[]) => void }>();

  async function gather(): Promise<string> {
    const live = children().filter((c) => (c.isConnected ? c.isConnected() : c.connected !== false));
    const id = randomUUID();
    const replies = await new Promise<Json[]>((resolve) => {
      const entry = { replies: [] as Json[], waiting: live.length, done: resolve };
      pending.set(id, entry);
      if (live.length === 0) resolve([]);
      // A child that does not answer (busy dying) is left out rather than failing the scrape.
      setTimeout(() => resolve(entry.replies), WAIT_MS).unref();
      for (const c of live) c.send({ type: ASK_PROCESS, id });
    }).finally(() => pending.delete(id));
    const registry = own();
    if (registry) replies.push(await registry.getMetricsAsJSON());
    return AggregatorRegistry.aggregate(replies).metrics();
  }

  function onMessage(from: MetricsChild, m: unknown): void {
    if (!isMessage(m)) return;
    if (m.type === PROCESS_METRICS && m.id && m.metrics) {
      const p = pending.get(m.id);
      if (!p) return;
      p.replies.push(m.metrics);
      if (--p.waiting === 0) p.done(p.replies);
    } else if (m.type === ASK_ENGINE) {
      void gather().then(
        (text) => from.send({ type: ENGINE_METRICS, id: m.id, text }),
        (err: Error) => from.send({ type: ENGINE_METRICS, id: m.id, error: err.message }),
      );
    }
  }

  return { gather, onMessage };
}

export type MetricsHub = ReturnType<typeof createMetricsHub>;

/** The text `/metrics` serves: the hub's gathering in the primary, the hub's answer in a cluster child, else this process. */
export function scrapeMetrics(registry: Registry, hub: MetricsHub | null): Promise<string> {
  if (hub) return hub.gather();
  if (!cluster.isWorker) return registry.metrics();
  const id = randomUUID();
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error('the primary did not answer the metrics scrape')), WAIT_MS + 1_000);
    const onMessage = (m: unknown) => {
      if (isMessage(m) && m.type === ENGINE_METRICS && m.id === id)
        finish(m.error ? new Error(m.error) : null, m.text ?? '');
    };
    const finish = (err: Error | null, text = '') => {
      clearTimeout(timer);
      process.off('message', onMessage);
      if (err) reject(err);
      else resolve(text);
    };
    process.on('message', onMessage);
    process.send?.({ type: ASK_ENGINE, id });
  });
}
