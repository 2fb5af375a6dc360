/**
 * `npm run bench` runs every scenario; `npm run bench -- coupon-rush` one (plus the baselines it is compared
 * with). Options: --connections 100 --duration 10 --warmup 2. Prints a table, writes bench/results/*.json and
 * bench/results/chart.svg.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { ensureServices } from '../scripts/services.ts';
import { ROOT } from '../src/paths.ts';
import { createContext } from './lib/context.ts';
import { chart, table, targetTable } from './lib/report.ts';
import { SCENARIOS, type Outcome } from './scenarios.ts';
import { benchPopularAggregate } from './popular-aggregate.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    connections: { type: 'string', default: '100' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
  },
});
const opts = {
  connections: Number(values.connections),
  durationS: Number(values.duration),
  warmupS: Number(values.warmup),
};
const unknown = positionals.filter((p) => p !== 'popular-aggregate' && !SCENARIOS.some((s) => s.name === p));
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}\navailable: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const wanted = new Set(
  positionals.length > 0 ? positionals.filter((p) => p !== 'popular-aggregate') : SCENARIOS.map((s) => s.name),
);
for (const s of SCENARIOS) if (wanted.has(s.name)) for (const n of s.needs ?? []) wanted.add(n);
const plan = SCENARIOS.filter((s) => wanted.has(s.name));

await ensureServices();
const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(
  `bench: ${plan.map((s) => s.name).join(', ')} | ${opts.connections} connections, ${opts.warmupS} s warm-up + ${opts.durationS} s | ${machine}`,
);
const ctx = await createContext(opts);
const outcomes: Outcome[] = [];
const results = new URL(`file://${join(ROOT, 'bench', 'results')}/`);
mkdirSync(results, { recursive: true });
let failed = false;
try {
  for (const s of plan) {
    const started = Date.now();
    process.stdout.write(`- ${s.name} ... `);
    const out = await s.run(ctx);
    outcomes.push(...out);
    for (const o of out) {
      writeFileSync(
        new URL(`${o.name}.json`, results),
        JSON.stringify({ ...o, opts, machine, at: new Date().toISOString() }, null, 2),
      );
      if (o.audit && !o.audit.passed) failed = true;
    }
    console.log(
      `${out.map((o) => `${o.name} ${o.load.reqPerSec} req/s`).join(', ')} (${Math.round((Date.now() - started) / 1000)} s)`,
    );
  }
} finally {
  await ctx.close();
}

let aggregation = '';
if (positionals.length === 0 || positionals.includes('popular-aggregate')) {
  const a = await benchPopularAggregate();
  aggregation = `\nPopular-products aggregation (${a.products} products × ${a.buckets} hourly buckets, ${a.runs} runs): min ${a.minMs} ms, median ${a.medianMs} ms, max ${a.maxMs} ms.\n`;
}
const report = `${table(outcomes)}\n\n${targetTable(outcomes)}\n${aggregation}`;
console.log(`\n${report}`);
for (const o of outcomes)
  if (o.audit) console.log(`audit ${o.name}: ${o.audit.passed ? 'pass' : 'FAIL'} ${JSON.stringify(o.audit.checks)}`);
for (const o of outcomes) if (o.batches) console.log(`batches ${o.name}: ${JSON.stringify(o.batches)}`);
for (const o of outcomes)
  if (o.cpuPerRequest) console.log(`CPU ms per paid order ${o.name}: ${JSON.stringify(o.cpuPerRequest)}`);
for (const o of outcomes)
  if (o.rss) console.log(`peak MB by process (RSS; pss: all, shared pages once) ${o.name}: ${JSON.stringify(o.rss)}`);
writeFileSync(
  new URL('summary.json', results),
  JSON.stringify({ machine, opts, at: new Date().toISOString(), outcomes }, null, 2),
);
writeFileSync(
  new URL('summary.md', results),
  `Machine: ${machine}; ${opts.connections} connections, ${opts.warmupS} s warm-up + ${opts.durationS} s.\n\n${report}`,
);
writeFileSync(new URL('chart.svg', results), chart(outcomes, `req/s, ${opts.connections} connections, ${machine}`));
console.log('\nwrote bench/results/*.json, summary.md and chart.svg');
process.exit(failed ? 1 : 0);
