import type { LoadResult } from './load.ts';

export type Report = {
  scenario: string;
  url: string;
  at: string;
  opts: Record<string, unknown>;
  result: LoadResult;
  audit: { passed: boolean; checks: Record<string, unknown> };
  seconds?: { second: number; requests: number; p99: number }[];
};

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Bars of the latency percentiles, drawn as inline SVG (the page needs nothing from elsewhere). */
function latencyChart(r: LoadResult): string {
  const bars: [string, number][] = [
    ['p50', r.p50],
    ['p90', r.p90],
    ['p99', r.p99],
    ['p99.9', r.p999],
    ['max', r.max],
  ];
  const top = Math.max(1, ...bars.map(([, v]) => v));
  const rows = bars
    .map(([k, v], i) => {
      const w = Math.max(1, Math.round((v / top) * 440));
      return `<text x="52" y="${28 + i * 30}" text-anchor="end" font-size="13">${k}</text><rect x="60" y="${14 + i * 30}" width="${w}" height="20" fill="#2563eb"/><text x="${66 + w}" y="${28 + i * 30}" font-size="12">${v} ms</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="${20 + bars.length * 30}" role="img" aria-label="latency percentiles">${rows}</svg>`;
}

/** Requests per second over the run, as an inline SVG line. */
function throughputChart(seconds: { second: number; requests: number }[]): string {
  if (seconds.length === 0) return '<p>(no per-second samples)</p>';
  const top = Math.max(1, ...seconds.map((s) => s.requests));
  const x = (i: number) => 50 + (i * 520) / Math.max(1, seconds.length - 1);
  const y = (v: number) => 190 - (v / top) * 170;
  const points = seconds.map((s, i) => `${x(i).toFixed(1)},${y(s.requests).toFixed(1)}`).join(' ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="220" role="img" aria-label="requests per second">
<line x1="50" y1="190" x2="570" y2="190" stroke="#999"/><line x1="50" y1="20" x2="50" y2="190" stroke="#999"/>
<text x="46" y="24" text-anchor="end" font-size="11">${top}</text><text x="46" y="190" text-anchor="end" font-size="11">0</text>
<text x="570" y="208" text-anchor="end" font-size="11">${seconds.length} s</text>
<polyline fill="none" stroke="#16a34a" stroke-width="2" points="${points}"/></svg>`;
}

/** A self-contained HTML page: the run's figures, its audit, and two charts, with no external asset. */
export function htmlReport(r: Report): string {
  const status = Object.entries(r.result.byStatus)
    .map(([s, n]) => `<tr><td>${esc(s)}</td><td>${n}</td></tr>`)
    .join('');
  const checks = Object.entries(r.audit.checks)
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(JSON.stringify(v))}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.scenario)} load report</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:left}.pass{color:#16a34a}.fail{color:#dc2626}</style>
</head><body>
<h1>${esc(r.scenario)} — <span class="${r.audit.passed ? 'pass' : 'fail'}">audit ${r.audit.passed ? 'pass' : 'FAIL'}</span></h1>
<p>${esc(r.url)}, ${esc(r.at)}; ${esc(JSON.stringify(r.opts))}</p>
<table><tr><th>req/s</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>errors</th></tr>
<tr><td>${r.result.reqPerSec}</td><td>${r.result.p50} ms</td><td>${r.result.p90} ms</td><td>${r.result.p99} ms</td><td>${r.result.p999} ms</td><td>${r.result.max} ms</td><td>${r.result.errors + r.result.timeouts}</td></tr></table>
<h2>Throughput</h2>${throughputChart(r.seconds ?? [])}
<h2>Latency</h2>${latencyChart(r.result)}
<h2>Answers by status</h2><table>${status}</table>
<h2>Audit</h2><table>${checks}</table>
</body></html>
`;
}
