/**
 * `npm run load -- <coupon-rush|order-rush|browse> --url http://host:port [--connections 100] [--duration 10]
 * [--rate N] [--users 2000] [--copies 1000] [--stock 1000] [--out DIR]` with JWT_SECRET set to the engine's.
 * Against any running engine: sets up through the admin API (a coupon, or a product and funded users), runs the
 * crowd (closed loop, or a fixed arrival rate with --rate), prints a progress line a second, then audits through
 * the API and writes a table, JSON and a self-contained HTML report. Exits 1 when the audit fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { load, type LoadResult } from '../bench/lib/load.ts';
import { htmlReport } from '../bench/lib/html-report.ts';
import { createJwt } from '../src/lib/jwt.ts';

const SCENARIOS = ['coupon-rush', 'order-rush', 'browse'] as const;
type ScenarioName = (typeof SCENARIOS)[number];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    connections: { type: 'string', default: '100' },
    duration: { type: 'string', default: '10' },
    rate: { type: 'string' },
    users: { type: 'string', default: '2000' },
    copies: { type: 'string', default: '1000' },
    stock: { type: 'string', default: '1000' },
    out: { type: 'string', default: 'load-results' },
  },
});

function fail(message: string): never {
  console.error(`load: ${message}`);
  process.exit(2);
}
const whole = (name: string, v: string | undefined, min = 1) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be a whole number ≥ ${min} (got ${v})`);
  return n;
};
const scenario = positionals[0] as ScenarioName;
if (!SCENARIOS.includes(scenario)) fail(`scenario must be one of ${SCENARIOS.join(', ')}`);
if (!values.url || !/^https?:\/\//.test(values.url)) fail('--url http://host:port of a running engine is required');
const secret = process.env.JWT_SECRET;
if (!secret) fail("JWT_SECRET must be the engine's secret (tokens are minted here)");
const url = values.url.replace(/\/$/, '');
const opts = {
  connections: whole('connections', values.connections),
  durationS: whole('duration', values.duration),
  rate: values.rate === undefined ? undefined : whole('rate', values.rate),
  users: whole('users', values.users),
  copies: whole('copies', values.copies),
  stock: whole('stock', values.stock, 0),
};

const jwt = createJwt(secret);
const exp = Math.floor(Date.now() / 1000) + 6 * 3600;
const admin = jwt.sign({ sub: 'load-tool', role: 'admin', exp });
const tokenOf = (userId: number) => jwt.sign({ sub: String(userId), exp });

async function api(method: string, path: string, body?: unknown, token = admin) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as any;
  if (res.status >= 300) fail(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Every item of a cursor-paginated list. */
async function listAll(path: string): Promise<any[]> {
  const items: any[] = [];
  for (let cursor: string | null = null; ; ) {
    const page = await api('GET', `${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) return items;
  }
}

/** `n` users through the admin API, `fund` points each (charged as the admin), 20 requests at a time. */
async function makeUsers(n: number, fund: number): Promise<{ id: number; token: string }[]> {
  const users: { id: number; token: string }[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < n) {
        const i = next++;
        const { id } = await api('POST', '/admin/users', { name: `load user ${i}` });
        if (fund > 0) await api('POST', `/users/${id}/points/charge`, { amount: fund });
        users[i] = { id, token: tokenOf(id) };
      }
    }),
  );
  return users;
}

const seconds: { second: number; requests: number; p99: number }[] = [];
const progress = (p: { second: number; requests: number; byStatus: Record<string, number>; p99: number }) => {
  seconds.push({ second: p.second, requests: p.requests, p99: p.p99 });
  console.log(
    `  ${String(p.second).padStart(3)} s  ${String(p.requests).padStart(7)} req/s  ${Object.entries(p.byStatus)
      .map(([s, n]) => `${s}: ${n}`)
      .join('  ')}  p99 so far ${p.p99} ms`,
  );
};

type Audit = { passed: boolean; checks: Record<string, unknown> };
const base = {
  connections: opts.connections,
  durationS: opts.durationS,
  warmupS: 0,
  onProgress: progress,
  ...(opts.rate ? { rate: opts.rate } : {}),
};

async function couponRush(): Promise<{ result: LoadResult; audit: Audit }> {
  const coupon = await api('POST', '/admin/coupons', {
    name: 'load rush',
    discountType: 'FIXED',
    discountValue: 100,
    totalQuantity: opts.copies,
    validDays: 1,
  });
  const users = await makeUsers(opts.users, 0);
  console.log(`set up: coupon ${coupon.id} (${opts.copies} copies), ${opts.users} users`);
  const result = await load({
    ...base,
    url,
    method: 'POST',
    path: `/coupons/${coupon.id}/issue`,
    request: (n) => ({ headers: { authorization: `Bearer ${users[n % users.length]!.token}` } }),
  });
  const created = result.byStatus['201'] ?? 0;
  let status = await api('GET', `/admin/coupons/${coupon.id}`);
  const deadline = Date.now() + 15_000;
  while (status.persistedCount < status.issuedCount && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    status = await api('GET', `/admin/coupons/${coupon.id}`);
  }
  const checks = {
    issued: status.issuedCount,
    total: opts.copies,
    created201: created,
    persisted: status.persistedCount,
    remaining: status.remaining,
  };
  const passed =
    status.issuedCount <= opts.copies && status.issuedCount === created && status.persistedCount === status.issuedCount;
  return { result, audit: { passed, checks } };
}

async function orderRush(): Promise<{ result: LoadResult; audit: Audit }> {
  const PRICE = 100;
  const FUND = 1_000_000;
  const product = await api('POST', '/admin/products', {
    name: 'load rush',
    options: [{ name: 'one size', price: PRICE, stock: opts.stock }],
  });
  const optionId = product.options[0].id as number;
  const users = await makeUsers(opts.users, FUND);
  console.log(`set up: product ${product.id}, option ${optionId} (stock ${opts.stock}), ${opts.users} funded users`);
  const paidBy = new Map<number, number>();
  // A run stops with a request in flight on each connection: the engine may still take it. Counting what was sent
  // and what was answered bounds what the audit may find.
  const sentBy = new Map<number, number>();
  const answeredBy = new Map<number, number>();
  const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  const body = JSON.stringify({ items: [{ optionId, quantity: 1 }] });
  const result = await load({
    ...base,
    url,
    method: 'POST',
    path: '/orders',
    // Each connection has one request in flight: its context remembers whose it is.
    request: (n) => {
      const user = n % users.length;
      bump(sentBy, user);
      return {
        headers: { authorization: `Bearer ${users[user]!.token}`, 'content-type': 'application/json' },
        body,
        context: { user },
      };
    },
    onResponse: (status, context) => {
      if (!context) return;
      bump(answeredBy, context.user);
      if (status === 201) bump(paidBy, context.user);
    },
  });
  const paid = result.byStatus['201'] ?? 0;
  const unanswered = [...sentBy].reduce((sum, [user, sent]) => sum + sent - (answeredBy.get(user) ?? 0), 0);
  const live = (await api('GET', `/products/${product.id}`)).options[0].stock as number;
  const sold = opts.stock - live;
  // Each sampled user: the balance matches the orders the engine lists, and those are the 201s this tool saw plus
  // at most the requests it never saw answered.
  const sample = users
    .map((u, i) => ({ ...u, i }))
    .filter((_, i) => i % Math.max(1, Math.floor(users.length / 50)) === 0);
  let wrongBalances = 0;
  for (const u of sample) {
    const { balance } = await api('GET', `/users/${u.id}/points`);
    const orders = await listAll(`/users/${u.id}/orders`);
    const paidOrders = orders.filter((o) => o.status === 'PAID').length;
    const seen = paidBy.get(u.i) ?? 0;
    const unseen = (sentBy.get(u.i) ?? 0) - (answeredBy.get(u.i) ?? 0);
    if (balance !== FUND - paidOrders * PRICE || paidOrders < seen || paidOrders > seen + unseen) wrongBalances++;
  }
  const checks = {
    stock: opts.stock,
    paid201: paid,
    unanswered,
    liveStock: live,
    sold,
    sampledUsers: sample.length,
    wrongBalances,
  };
  return { result, audit: { passed: sold >= paid && sold <= paid + unanswered && wrongBalances === 0, checks } };
}

async function browse(): Promise<{ result: LoadResult; audit: Audit }> {
  const product = await api('POST', '/admin/products', {
    name: 'load browse',
    options: [{ name: 'a', price: 100, stock: 10 }],
  });
  await api('POST', '/admin/popular/refresh');
  const paths = [`/products/${product.id}`, '/products/popular', '/products?limit=20'];
  const result = await load({ ...base, url, path: paths[0]!, request: (n) => ({ path: paths[n % paths.length] }) });
  const ok = result.byStatus['200'] ?? 0;
  return { result, audit: { passed: ok === result.total, checks: { ok200: ok, total: result.total } } };
}

console.log(
  `load ${scenario} → ${url}: ${opts.connections} connections, ${opts.durationS} s, ${opts.rate ? `${opts.rate} req/s (open loop)` : 'closed loop'}`,
);
const { result, audit } = await { 'coupon-rush': couponRush, 'order-rush': orderRush, browse }[scenario]();
const table = [
  '| req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | answers by status | errors |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
  `| ${result.reqPerSec} | ${result.p50} | ${result.p90} | ${result.p99} | ${result.p999} | ${result.max} | ${Object.entries(
    result.byStatus,
  )
    .map(([s, n]) => `${s}: ${n}`)
    .join(', ')} | ${result.errors + result.timeouts} |`,
].join('\n');
console.log(`\n${table}\n\naudit: ${audit.passed ? 'pass' : 'FAIL'} ${JSON.stringify(audit.checks)}`);
mkdirSync(values.out!, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const report = { scenario, url, opts, at: new Date().toISOString(), result, audit, seconds };
writeFileSync(join(values.out!, `${scenario}-${stamp}.json`), JSON.stringify(report, null, 2));
writeFileSync(join(values.out!, `${scenario}-${stamp}.html`), htmlReport(report));
console.log(`wrote ${join(values.out!, `${scenario}-${stamp}`)}.json and .html`);
process.exit(audit.passed ? 0 : 1);
