import type { Outcome } from '../scenarios.ts';

export type Target = {
  scenario: string;
  label: string;
  value: (byName: Map<string, Outcome>) => number | null;
  ok: (v: number) => boolean;
  unit: string;
};

const rps = (m: Map<string, Outcome>, name: string) => m.get(name)?.load.reqPerSec ?? null;
const paidRatio = (a: string, b: string) => (m: Map<string, Outcome>) => {
  const x = m.get(a)?.extra?.paidPerSec;
  const y = m.get(b)?.extra?.paidPerSec;
  return x !== undefined && y ? x / y : null;
};
const ratio = (a: string, b: string) => (m: Map<string, Outcome>) => {
  const x = rps(m, a);
  const y = rps(m, b);
  return x !== null && y ? x / y : null;
};

/** The targets of the benchmark issue, each a ratio or bound measured in this run. */
export const TARGETS: Target[] = [
  {
    scenario: 'coupon-rush',
    label: 'req/s ≥ 0.7 × baseline-post',
    value: ratio('coupon-rush', 'baseline-post'),
    ok: (v) => v >= 0.7,
    unit: '×',
  },
  {
    scenario: 'coupon-rush',
    label: 'req/s ≥ 4 × mysql-lock (sold out)',
    value: ratio('coupon-rush', 'mysql-lock-soldout'),
    ok: (v) => v >= 4,
    unit: '×',
  },
  {
    scenario: 'coupon-rush-win',
    label: 'req/s ≥ 8 × mysql-lock (every request wins)',
    value: ratio('coupon-rush-win', 'mysql-lock-win'),
    ok: (v) => v >= 8,
    unit: '×',
  },
  {
    scenario: 'coupon-rush',
    label: 'p99 < 20 ms at 100 connections',
    value: (m) => m.get('coupon-rush')?.load.p99 ?? null,
    ok: (v) => v < 20,
    unit: 'ms',
  },
  {
    scenario: 'coupon-rush',
    label: '10,000 issuances in MySQL ≤ 3 s after the last 201',
    value: (m) => m.get('coupon-rush')?.extra?.persistLagMs ?? null,
    ok: (v) => v <= 3000,
    unit: 'ms',
  },
  {
    scenario: 'coupon-rush',
    label: 'resident memory of all engine processes < 250 MB during the rush',
    value: (m) => m.get('coupon-rush')?.extra?.peakRssMb ?? null,
    ok: (v) => v < 250,
    unit: 'MB',
  },
  {
    scenario: 'coupon-rush',
    label: 'the same, as PSS (pages the processes share, Node itself mostly, counted once)',
    value: (m) => m.get('coupon-rush')?.rss?.pss ?? null,
    ok: (v) => v < 250,
    unit: 'MB',
  },
  {
    scenario: 'coupon-flash',
    label: 'flash-sale mix req/s ≥ 0.7 × baseline-post',
    value: ratio('coupon-flash', 'baseline-post'),
    ok: (v) => v >= 0.7,
    unit: '×',
  },
  {
    scenario: 'coupon-flash',
    label: 'flash-sale mix p99 < 20 ms',
    value: (m) => m.get('coupon-flash')?.load.p99 ?? null,
    ok: (v) => v < 20,
    unit: 'ms',
  },
  {
    scenario: 'coupon-flash',
    label: 'all engine processes < 250 MB',
    value: (m) => m.get('coupon-flash')?.extra?.peakRssMb ?? null,
    ok: (v) => v < 250,
    unit: 'MB',
  },
  {
    scenario: 'order-wins',
    label: 'paid orders/s ≥ 5 × the plain MySQL shop',
    value: paidRatio('order-wins', 'shop-order-wins'),
    ok: (v) => v >= 5,
    unit: '×',
  },
  {
    scenario: 'order-sellout',
    label: 'paid orders/s ≥ 3 × the plain MySQL shop (to the last 201)',
    value: paidRatio('order-sellout', 'shop-order-sellout'),
    ok: (v) => v >= 3,
    unit: '×',
  },
  {
    scenario: 'order-wins',
    label: 'p99 < 50 ms',
    value: (m) => m.get('order-wins')?.load.p99 ?? null,
    ok: (v) => v < 50,
    unit: 'ms',
  },
  {
    scenario: 'order-sellout',
    label: 'p99 < 50 ms',
    value: (m) => m.get('order-sellout')?.load.p99 ?? null,
    ok: (v) => v < 50,
    unit: 'ms',
  },
  {
    scenario: 'order-sellout',
    label: 'OUT_OF_STOCK answers/s after the sell-out ≥ 0.7 × coupon-rush req/s',
    value: (m) => {
      const r = m.get('order-sellout')?.extra?.refusalsPerSec;
      const c = rps(m, 'coupon-rush');
      return r !== undefined && c ? r / c : null;
    },
    ok: (v) => v >= 0.7,
    unit: '×',
  },
  {
    scenario: 'popular-read',
    label: 'req/s ≥ 0.8 × baseline-get',
    value: ratio('popular-read', 'baseline-get'),
    ok: (v) => v >= 0.8,
    unit: '×',
  },
  {
    scenario: 'product-read',
    label: 'req/s ≥ 0.8 × baseline-get',
    value: ratio('product-read', 'baseline-get'),
    ok: (v) => v >= 0.8,
    unit: '×',
  },
];

const BASELINE_OF: Record<string, string> = {
  'coupon-rush': 'baseline-post',
  'coupon-rush-win': 'baseline-post',
  'coupon-flash': 'baseline-post',
  'coupon-rush-wc2': 'baseline-post',
  'coupon-rush-redis-cluster': 'coupon-rush',
  'mysql-lock-win': 'baseline-post',
  'mysql-lock-soldout': 'baseline-post',
  'order-wins': 'shop-order-wins',
  'order-sellout': 'shop-order-sellout',
  'layers-context': 'baseline-get',
  'layers-context+metrics': 'baseline-get',
  'popular-read': 'baseline-get',
  'product-read': 'baseline-get',
};

const fmt = (v: number, unit: string) => (unit === '×' ? `${v.toFixed(2)}×` : `${Math.round(v)} ${unit}`);

export function table(outcomes: Outcome[]): string {
  const m = new Map(outcomes.map((o) => [o.name, o]));
  const rows = outcomes.map((o) => {
    const non2xx = Object.entries(o.load.byStatus)
      .filter(([s]) => !s.startsWith('2'))
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ');
    const base = BASELINE_OF[o.name];
    const paid = o.extra?.paidPerSec;
    const basePaid = base ? m.get(base)?.extra?.paidPerSec : undefined;
    const vs =
      paid !== undefined && basePaid
        ? `${(paid / basePaid).toFixed(2)}× ${base} (paid/s)`
        : base && rps(m, base)
          ? `${(o.load.reqPerSec / rps(m, base)!).toFixed(2)}× ${base}`
          : '';
    const audit = o.audit ? (o.audit.passed ? 'pass' : 'FAIL') : '';
    const rss = o.extra?.peakRssMb ? String(o.extra.peakRssMb) : '';
    return `| ${o.name} | ${o.load.reqPerSec} | ${paid ?? ''} | ${o.load.p50} | ${o.load.p99} | ${o.load.max ?? ''} | ${non2xx || '-'} | ${o.load.errors + o.load.timeouts} | ${rss} | ${vs} | ${audit} |`;
  });
  return [
    '| scenario | req/s | paid/s | p50 ms | p99 ms | max ms | non-2xx by status | errors | peak RSS MB | vs baseline | audit |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |',
    ...rows,
  ].join('\n');
}

export function targetTable(outcomes: Outcome[]): string {
  const m = new Map(outcomes.map((o) => [o.name, o]));
  const rows = TARGETS.filter((t) => m.has(t.scenario)).map((t) => {
    const v = t.value(m);
    return `| ${t.scenario} | ${t.label} | ${v === null ? 'n/a' : fmt(v, t.unit)} | ${v === null ? 'not measured' : t.ok(v) ? 'met' : 'MISSED'} |`;
  });
  return ['| scenario | target | measured | |', '| --- | --- | ---: | --- |', ...rows].join('\n');
}

/** A bar chart of req/s, each scenario beside the baseline it is compared with. */
export function chart(outcomes: Outcome[], title: string): string {
  const max = Math.max(1, ...outcomes.map((o) => o.load.reqPerSec));
  const rowH = 28;
  // Room for the longest scenario name (about 7.5 px a character at 13 px).
  const left = Math.max(120, Math.ceil(Math.max(...outcomes.map((o) => o.name.length)) * 7.5) + 16);
  const width = left + 650;
  const barW = width - left - 150;
  const bars = outcomes
    .map((o, i) => {
      const y = 40 + i * rowH;
      const w = Math.max(1, Math.round((o.load.reqPerSec / max) * barW));
      const isBase = o.name.startsWith('baseline') || o.name.startsWith('mysql-lock');
      const color = o.name.startsWith('baseline') ? '#9ca3af' : o.name.startsWith('mysql-lock') ? '#f59e0b' : '#2563eb';
      return [
        `<text x="${left - 8}" y="${y + 17}" text-anchor="end" font-size="13">${o.name}</text>`,
        `<rect x="${left}" y="${y + 4}" width="${w}" height="${rowH - 8}" fill="${color}"${isBase ? ' opacity="0.85"' : ''}/>`,
        `<text x="${left + w + 6}" y="${y + 17}" font-size="12">${o.load.reqPerSec.toLocaleString('en-US')} req/s · p99 ${o.load.p99} ms</text>`,
      ].join('');
    })
    .join('\n');
  const h = 60 + outcomes.length * rowH;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="24" font-size="15" font-weight="bold">${title}</text>
${bars}
<text x="10" y="${h - 8}" font-size="11" fill="#555">grey: bare Hono baselines · amber: MySQL row-lock issuance · blue: the engine</text>
</svg>
`;
}
