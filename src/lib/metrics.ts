import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

/**
 * prom-client registries are per process, and under node:cluster `/metrics` is served by one API process. So
 * the primary gathers: every process answers with its metrics as JSON over the IPC channel node:cluster
 * opened, the primary adds its own (the workers run there in role `all`), and prom-client's
 * `AggregatorRegistry.aggregate` sums them (or applies each metric's own aggregator) into one exposition.
 */
const ASK_PROCESS = 'engine:metrics:process';
const PROCESS_METRICS = 'engine:metrics:process-reply';
const ASK_ENGINE = 'engine:metrics:engine';
const ENGINE_METRICS = 'engine:metrics:engine-reply';
const WAIT_MS = 3_000;

type Json = MetricObjectWithValues<MetricValue<string>>[];
type Message = { type?: string; id?: string; metrics?: Json; text?: string; error?: string };

const isMessage = (m: unknown): m is Message => typeof m === 'object' && m !== null && 'type' in m;

/** In a cluster child: answer the primary with this process's metrics, and forward its own scrapes. */
export function serveMetricsToPrimary(registry: Registry): void {
  if (!cluster.isWorker) return;
  process.on('message', (m: unknown) => {
    if (!isMessage(m) || m.type !== ASK_PROCESS) return;
    void registry.getMetricsAsJSON().then((metrics) => process.send?.({ type: PROCESS_METRICS, id: m.id, metrics }));
  });
}

/** In the primary: answers children's scrapes with the whole engine's metrics. `own` is the primary's registry. */
export function gatherMetricsInPrimary(own: () => Registry | null): void {
  if (!cluster.isPrimary) return;
  const pending = new Map<string, { replies: Json[]; waiting: number; done: (metrics: Json[]) => void }>();
  cluster.on('message', (worker: Worker, m: unknown) => {
    if (!isMessage(m)) return;
    if (m.type === PROCESS_METRICS && m.id && m.metrics) {
      const p = pending.get(m.id);
      if (!p) return;
      p.replies.push(m.metrics);
      if (--p.waiting === 0) p.done(p.replies);
    } else if (m.type === ASK_ENGINE) {
      void engineMetrics(own(), pending).then(
        (text) => worker.send({ type: ENGINE_METRICS, id: m.id, text }),
        (err: Error) => worker.send({ type: ENGINE_METRICS, id: m.id, error: err.message }),
      );
    }
  });
}

async function engineMetrics(own: Registry | null, pending: Map<string, { replies: Json[]; waiting: number; done: (m: Json[]) => void }>) {
  const children = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());
  const id = randomUUID();
  const fromChildren = new Promise<Json[]>((resolve) => {
    const entry = { replies: [] as Json[], waiting: children.length, done: resolve };
    pending.set(id, entry);
    if (children.length === 0) resolve([]);
    // A child that does not answer (busy dying) is left out rather than failing the scrape.
    setTimeout(() => resolve(entry.replies), WAIT_MS).unref();
    for (const w of children) w.send({ type: ASK_PROCESS, id });
  }).finally(() => pending.delete(id));
  const all = await fromChildren;
  if (own) all.push(await own.getMetricsAsJSON());
  return AggregatorRegistry.aggregate(all).metrics();
}

/** The text `/metrics` serves: this process alone, or, in a cluster child, the whole engine via the primary. */
export function scrapeMetrics(registry: Registry): Promise<string> {
  if (!cluster.isWorker) return registry.metrics();
  const id = randomUUID();
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error('the primary did not answer the metrics scrape')), WAIT_MS + 1_000);
    const onMessage = (m: unknown) => {
      if (isMessage(m) && m.type === ENGINE_METRICS && m.id === id) finish(m.error ? new Error(m.error) : null, m.text ?? '');
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
