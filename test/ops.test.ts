/**
 * The observability files users run with `docker compose --profile observability up`: the Grafana dashboard
 * parses, points at the provisioned data source, and every metric it charts is one the engine exports.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reconcile } from '../src/jobs/reconcile.ts';
import { ROOT } from '../src/paths.ts';
import { createTestEngine, type TestEngine } from './harness.ts';

let e: TestEngine;
beforeAll(async () => (e = await createTestEngine({ workers: true })));
afterAll(() => e.close());

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
type Panel = { title: string; datasource: { uid: string }; targets: { expr: string; datasource: { uid: string } }[] };

it('the dashboard charts only metrics the engine exports, from the provisioned data source', async () => {
  const dashboard = JSON.parse(read('ops/grafana/dashboards/engine.json')) as { uid: string; panels: Panel[] };
  const uid = /uid:\s*(\S+)/.exec(read('ops/grafana/provisioning/datasources/prometheus.yml'))?.[1];
  expect(dashboard.panels.length).toBeGreaterThanOrEqual(6);
  await e.request('GET', '/health');
  await reconcile(e.deps); // engine_drift exists once the job has run
  const exported = new Set(
    [...(await e.request('GET', '/metrics')).body.matchAll(/^# TYPE (\S+) /gm)].map((m: RegExpMatchArray) => m[1]),
  );
  for (const panel of dashboard.panels) {
    expect(panel.datasource.uid).toBe(uid);
    expect(panel.targets.length).toBeGreaterThan(0);
    for (const t of panel.targets) {
      expect(t.datasource.uid).toBe(uid);
      const names = [...t.expr.matchAll(/\b(engine_[a-z_]+|http_[a-z_]+|bullmq_[a-z_]+)\b/g)].map((m) => m[1]!);
      expect(names.length).toBeGreaterThan(0);
      // A histogram's series carry _bucket/_sum/_count after the name it is exported under.
      const known = (name: string) => exported.has(name) || exported.has(name.replace(/_(bucket|sum|count)$/, ''));
      for (const name of names) expect([panel.title, name, known(name)]).toEqual([panel.title, name, true]);
    }
  }
});

it('docker-compose mounts files that exist, and Prometheus scrapes the engine', () => {
  const compose = read('docker-compose.yml');
  const mounts = [...compose.matchAll(/"\.\/([^":]+):/g)].map((m) => m[1]!);
  expect(mounts).toEqual(
    expect.arrayContaining(['ops/prometheus.yml', 'ops/grafana/provisioning', 'ops/grafana/dashboards']),
  );
  for (const m of mounts) expect([m, existsSync(join(ROOT, m))]).toEqual([m, true]);
  expect(compose).toMatch(/profiles: \[observability\]/);
  const prometheus = read('ops/prometheus.yml');
  expect(prometheus).toMatch(/metrics_path: \/metrics/);
  expect(prometheus).toMatch(/targets: \["host\.docker\.internal:3000"\]/);
});
