/**
 * `/metrics` of an engine started as `npm start` starts it (role `all`: the API in the primary, the workers in
 * a child process) shows every process's metrics: the drift the worker child's reconcile job finds, next to the
 * API's request durations; with WEB_CONCURRENCY=2 the API processes' counts are summed.
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import { expect, it } from 'vitest';
import { QUEUE_NAMES } from '../../src/jobs/queues.ts';
import { coupon, product } from '../fixtures.ts';
import { envOf, useFaultEngine } from './env.ts';
import { engineProcess, until } from './processes.ts';

const ctx = useFaultEngine();

const scrape = async (url: string) => {
  const r = await fetch(`${url}/metrics`);
  return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
};

it('engine_drift found by the worker child is on /metrics served by the API, with the API figures', async () => {
  const e = ctx.e;
  const engine = await engineProcess('all', envOf(e));
  ctx.procs.push(engine);
  const p = await product(e, [{ price: 10, stock: 50 }]);
  const optionId = p.optionIds[0]!;
  expect((await fetch(`${engine.url}/products/${p.id}`)).status).toBe(200);
  await e.deps.redis.set(e.deps.keys.optionStock(optionId), 47); // 3 units that MySQL does not know of

  const queue = new Queue(QUEUE_NAMES.maintenance, {
    connection: e.deps.queueRedis as ConnectionOptions,
    prefix: e.deps.keys.queuePrefix,
  });
  try {
    await queue.add('reconcile', {}, { removeOnComplete: true });
    const drift = `engine_drift{kind="option_stock",id="${optionId}"} -3`;
    const m = await until(
      () => scrape(engine.url),
      (s) => s.text.includes(drift),
      20_000,
      'engine_drift on /metrics',
    );
    expect(m.status).toBe(200);
    expect(m.type).toContain('text/plain');
    expect(m.text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/products\/:productId"[^}]*\} [1-9]/);
    // one family per metric, however many processes reported it
    expect(m.text.match(/^# TYPE process_resident_memory_bytes /gm)).toHaveLength(1);
  } finally {
    await queue.close();
  }
});

it('with WEB_CONCURRENCY=2 a counter is summed over both API processes on one scrape', async () => {
  const e = ctx.e;
  const engine = await engineProcess('all', envOf(e, { WEB_CONCURRENCY: '2' }));
  ctx.procs.push(engine);
  const p = await product(e, [{ price: 10, stock: 5 }]);
  // New connections each time (no keep-alive), so the kernel spreads them over both processes.
  for (let i = 0; i < 40; i++)
    expect((await fetch(`${engine.url}/products/${p.id}`, { headers: { connection: 'close' } })).status).toBe(200);
  const m = await scrape(engine.url);
  const counts = [
    ...m.text.matchAll(/^http_request_duration_seconds_count\{[^}]*route="\/products\/:productId"[^}]*\} (\d+)/gm),
  ].map((x) => Number(x[1]));
  expect(counts.reduce((a, b) => a + b, 0)).toBe(40);
});

it('the flash-sale counters: N coupons issued through two API processes show as N on one scrape, with the backlog gauges', async () => {
  const e = ctx.e;
  const engine = await engineProcess('all', envOf(e, { WEB_CONCURRENCY: '2' }));
  ctx.procs.push(engine);
  const id = await coupon(e, { totalQuantity: 25 });
  const issue = (userId: number) =>
    fetch(`${engine.url}/coupons/${id}/issue`, {
      method: 'POST',
      headers: { authorization: `Bearer ${e.tokenFor(userId)}`, connection: 'close' },
    }).then((r) => r.status);
  const statuses = [];
  for (let i = 0; i < 30; i++) statuses.push(await issue(70_000 + i));
  statuses.push(await issue(70_000));
  expect(statuses.filter((s) => s === 201)).toHaveLength(25);
  const m = await until(
    () => scrape(engine.url),
    (s) => /^bullmq_job_count\{/m.test(s.text),
    10_000,
    'the worker gauges',
  );
  const value = (series: string) =>
    Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)`, 'm').exec(m.text)?.[1]);
  expect(value('engine_coupon_issue_total{result="issued"}')).toBe(25);
  expect(value('engine_coupon_issue_total{result="sold_out"}')).toBe(5);
  expect(value('engine_coupon_issue_total{result="already_issued"}')).toBe(1);
  expect(m.text).toMatch(/^engine_coupon_outbox_pending \d+/m);
  expect(value(`engine_coupon_remaining{coupon="${id}"}`)).toBe(0);
  expect(m.text).toMatch(/^engine_delivery_pending \d+/m);
  expect(m.text).toMatch(/^bullmq_job_count\{queue="maintenance",state="[a-z-]+"\} \d+/m);
});
