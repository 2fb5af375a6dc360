import type { Context } from './lib/context.ts';
import { load, type LoadResult } from './lib/load.ts';
import { startProcess, type Proc } from './lib/processes.ts';
import { startCluster } from '../scripts/redis-cluster.ts';

export type Audit = { passed: boolean; checks: Record<string, unknown> };
export type Outcome = {
  name: string;
  load: LoadResult;
  audit?: Audit;
  extra?: Record<string, number>;
  batches?: unknown;
  rss?: Record<string, number>;
  /** CPU ms per paid order (or per request) of each serving process, during the measured run */
  cpuPerRequest?: Record<string, number>;
};
export type Scenario = { name: string; needs?: string[]; run(ctx: Context): Promise<Outcome[]> };

const json = { 'content-type': 'application/json' };
let nextUser = 10_000_000;
/** Fresh user ids for each run, so every issue request comes from a user who has not asked yet. */
const freshUsers = () => {
  const start = nextUser;
  nextUser += 5_000_000;
  return start;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const baselineGet: Scenario = {
  name: 'baseline-get',
  async run(ctx) {
    const srv = await startProcess('bench/servers/baseline.ts', { JWT_SECRET: ctx.env.JWT_SECRET });
    try {
      return [{ name: 'baseline-get', load: await load({ ...ctx.opts, url: srv.url, path: '/small' }) }];
    } finally {
      await srv.stop();
    }
  },
};

const baselinePost: Scenario = {
  name: 'baseline-post',
  async run(ctx) {
    const srv = await startProcess('bench/servers/baseline.ts', { JWT_SECRET: ctx.env.JWT_SECRET });
    const first = freshUsers();
    try {
      const result = await load({
        ...ctx.opts,
        url: srv.url,
        method: 'POST',
        path: '/echo',
        request: (n) => ({ headers: { ...json, authorization: `Bearer ${ctx.token(first + n)}` }, body: `{"n":${n}}` }),
      });
      return [{ name: 'baseline-post', load: result }];
    } finally {
      await srv.stop();
    }
  },
};

/** Issue requests with a distinct user each; returns the run and the time of the last 201. `engine`: sample its RSS. */
async function issueRush(
  ctx: Context,
  url: string,
  path: (n: number) => string,
  engine?: Proc,
  warmupS = ctx.opts.warmupS,
) {
  const first = freshUsers();
  let last201 = 0;
  const result = await load({
    ...ctx.opts,
    warmupS,
    url,
    method: 'POST',
    path: path(0),
    request: (n) => ({ path: path(n), headers: { authorization: `Bearer ${ctx.token(first + n)}` } }),
    onResponse: (status) => {
      if (status === 201) last201 = Date.now();
    },
    ...(engine ? { sample: () => engine.rssMb(), sampleParts: () => engine.rssByProcess() } : {}),
  });
  return { result, last201 };
}

const COPIES = 10_000;

/** The coupon rush with its audit, against the engine started with `engineEnv` (e.g. a Redis Cluster). */
async function couponRushOn(ctx: Context, name: string, engineEnv: Record<string, string>): Promise<Outcome> {
  const engine = await ctx.engine(engineEnv);
  // Warm-up on its own coupon, so the measured coupon's copies all go during the measured run.
  const warm = await ctx.api(engine, 'POST', '/admin/coupons', {
    name: 'warm-up',
    discountType: 'FIXED',
    discountValue: 100,
    totalQuantity: 1_000,
    validDays: 1,
  });
  await issueRush(ctx, engine.url, () => `/coupons/${warm.id}/issue`).catch(() => undefined);
  const coupon = await ctx.api(engine, 'POST', '/admin/coupons', {
    name: 'rush',
    discountType: 'FIXED',
    discountValue: 100,
    totalQuantity: COPIES,
    validDays: 1,
  });
  // Watch MySQL directly while the rush runs: the moment it holds every copy ends the persistence lag.
  let persistedAt = 0;
  let watching = true;
  const watcher = (async () => {
    while (watching && persistedAt === 0) {
      const [[r]] = (await ctx
        .db()
        .query('SELECT COUNT(*) AS n FROM user_coupons WHERE coupon_id = ?', [coupon.id])) as any;
      if (Number(r.n) >= COPIES) persistedAt = Date.now();
      else await sleep(20);
    }
  })();
  const { result, last201 } = await issueRush(ctx, engine.url, () => `/coupons/${coupon.id}/issue`, engine, 0);
  const deadline = Date.now() + 30_000;
  while (persistedAt === 0 && Date.now() < deadline) await sleep(20);
  watching = false;
  await watcher;
  const status = await ctx.api(engine, 'GET', `/admin/coupons/${coupon.id}`);
  const [[row]] = (await ctx
    .db()
    .query('SELECT COUNT(*) AS n, COUNT(DISTINCT user_id) AS users FROM user_coupons WHERE coupon_id = ?', [
      coupon.id,
    ])) as any;
  const redis = engineEnv.REDIS_CLUSTER_NODES ? ctx.cluster(engineEnv.REDIS_CLUSTER_NODES) : ctx.redis;
  const redisUsers = await redis.hlen(ctx.keys.couponIssued(coupon.id));
  const expected = Math.min(COPIES, result.total);
  const checks = {
    issued: status.issuedCount,
    expected,
    remaining: status.remaining,
    mysqlRows: Number(row.n),
    mysqlDistinctUsers: Number(row.users),
    redisUsers,
    created201: result.byStatus['201'] ?? 0,
    persistLagMs: persistedAt === 0 ? -1 : persistedAt - last201,
  };
  const passed =
    checks.issued === expected &&
    checks.created201 === expected &&
    checks.mysqlRows === expected &&
    checks.mysqlDistinctUsers === expected &&
    checks.redisUsers === expected &&
    checks.remaining === COPIES - expected;
  return {
    name,
    load: result,
    audit: { passed, checks },
    extra: { persistLagMs: checks.persistLagMs, peakRssMb: result.peakSample ?? 0 },
    rss: result.peakParts,
  };
}

const couponRush: Scenario = {
  name: 'coupon-rush',
  run: async (ctx) => [await couponRushOn(ctx, 'coupon-rush', {})],
};

/** The same rush on a local 3-master Redis Cluster (scripts/redis-cluster.ts), measured in the same run. */
const couponRushCluster: Scenario = {
  name: 'coupon-rush-redis-cluster',
  async run(ctx) {
    const nodes = await startCluster();
    try {
      return [await couponRushOn(ctx, 'coupon-rush-redis-cluster', { REDIS_CLUSTER_NODES: nodes })];
    } finally {
      await ctx.stopEngines();
    }
  },
};

const couponRushWin: Scenario = {
  name: 'coupon-rush-win',
  async run(ctx) {
    const engine = await ctx.engine();
    const coupon = await ctx.api(engine, 'POST', '/admin/coupons', {
      name: 'endless',
      discountType: 'FIXED',
      discountValue: 100,
      totalQuantity: 10_000_000,
      validDays: 1,
    });
    const { result } = await issueRush(ctx, engine.url, () => `/coupons/${coupon.id}/issue`, engine);
    const non201 = result.total - (result.byStatus['201'] ?? 0);
    return [
      {
        name: 'coupon-rush-win',
        load: result,
        audit: { passed: non201 === 0 && result.errors === 0, checks: { non201InMeasuredRun: non201 } },
      },
    ];
  },
};

const lockBaseline: Scenario = {
  name: 'mysql-lock-baseline',
  async run(ctx) {
    await ctx.engine(); // creates the database the bench tables live in
    const srv = await startProcess('bench/servers/lock-baseline.ts', {
      JWT_SECRET: ctx.env.JWT_SECRET,
      DATABASE_URL: ctx.env.DATABASE_URL,
    });
    const admin = async (id: number, total: number) =>
      fetch(`${srv.url}/admin/lock-coupons/${id}`, { method: 'POST', headers: json, body: JSON.stringify({ total }) });
    try {
      await admin(1, 10_000_000);
      const win = await issueRush(ctx, srv.url, () => '/coupons/1/issue');
      await admin(2, COPIES);
      const soldOut = await issueRush(ctx, srv.url, () => '/coupons/2/issue');
      const audit = (await (await fetch(`${srv.url}/admin/lock-coupons/2`)).json()) as {
        issued: number;
        persisted: number;
        users: number;
      };
      const passed =
        Number(audit.issued) === Number(audit.persisted) &&
        Number(audit.users) === Number(audit.persisted) &&
        Number(audit.issued) <= COPIES;
      return [
        { name: 'mysql-lock-win', load: win.result },
        { name: 'mysql-lock-soldout', load: soldOut.result, audit: { passed, checks: audit } },
      ];
    } finally {
      await srv.stop();
    }
  },
};

/**
 * Paid orders, engine against the plain MySQL shop, in two variants with 100 connections, one option and
 * BUYERS funded users whose tokens rotate: `wins` (stock never runs out: paid orders/s over the run) and
 * `sellout` (SELLOUT_STOCK units to the crowd: paid orders/s from the first to the last 201).
 */
const PRICE = 100;
const BUYERS = 2_000;
const SELLOUT_STOCK = Number(process.env.BENCH_ORDER_STOCK || 1_000);
const WINS_STOCK = 1_000_000;
/** enough for every order a buyer can place in a run */
const FUNDS = 10_000_000;

type OrderVariant = 'wins' | 'sellout';

/**
 * Every sold unit was answered 201. A sell-out ends long before the run, so the counts are equal; when every
 * request wins, the orders still in flight as the load tool stops (at most one per connection) are sold but
 * their answers are not counted.
 */
const settledAll = (v: OrderVariant, paid201: number, sold: number, connections: number) =>
  v === 'sellout' ? paid201 === sold : sold >= paid201 && sold - paid201 <= connections;
const stockOf = (v: OrderVariant) => (v === 'wins' ? WINS_STOCK : SELLOUT_STOCK);

/**
 * The warm-up every other scenario has, on a product of its own and with buyers of their own (so the measured
 * stock, balances and audit see none of it): a flash sale starts on a server that is already running, not on
 * cold JIT code and empty pools. The plain shop gets the same.
 */
async function warmUpOrders(ctx: Context, server: Proc, optionId: number, firstUser: number) {
  if (ctx.opts.warmupS <= 0) return;
  await load({
    ...ctx.opts,
    warmupS: 0,
    durationS: ctx.opts.warmupS,
    url: server.url,
    ...crowd(ctx, optionId, firstUser),
  });
}

/** POST /orders for one unit of `optionId`, by BUYERS buyers from `firstUser` in turn. */
function crowd(ctx: Context, optionId: number, firstUser: number) {
  const body = JSON.stringify({ items: [{ optionId, quantity: 1 }] });
  return {
    method: 'POST' as const,
    path: '/orders',
    request: (n: number) => ({
      headers: { ...json, authorization: `Bearer ${ctx.token(firstUser + (n % BUYERS))}` },
      body,
    }),
  };
}

/** The crowd: rotating buyers, one unit each; counts 201s and times the first and last. `engine`: sample its RSS. */
async function orderLoad(ctx: Context, server: Proc, optionId: number, firstUser: number, engine?: Proc) {
  let first201 = 0;
  let last201 = 0;
  const result = await load({
    ...ctx.opts,
    warmupS: 0, // the stock is the thing measured: no warm-up may take it (warmUpOrders has its own product)
    url: server.url,
    ...crowd(ctx, optionId, firstUser),
    onResponse: (status) => {
      if (status !== 201) return;
      last201 = Date.now();
      first201 ||= last201;
    },
    cpu: () => server.cpu(),
    ...(engine ? { sample: () => engine.rssMb(), sampleParts: () => engine.rssByProcess() } : {}),
  });
  const paid = result.byStatus['201'] ?? 0;
  const windowMs = Math.max(1, last201 - first201);
  return { result, paid, first201, last201, windowMs };
}

/** The engine's `engine_payment_batch_size` histogram from /metrics: count, sum and cumulative buckets. */
async function batchSizes(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  const buckets: Record<string, number> = {};
  for (const m of text.matchAll(/^engine_payment_batch_size_bucket\{le="([^"]+)"\} (\d+)/gm))
    buckets[m[1]!] = Number(m[2]);
  return {
    count: num(/^engine_payment_batch_size_count (\d+)/m),
    sum: num(/^engine_payment_batch_size_sum (\d+)/m),
    seconds: num(/^engine_payment_batch_seconds_sum ([\d.e-]+)/m),
    buckets,
  };
}

/** The batches of one run: how many, their mean size, and how many fell in each size range (le = at most). */
function diffBatches(a: Awaited<ReturnType<typeof batchSizes>>, b: Awaited<ReturnType<typeof batchSizes>>) {
  const count = b.count - a.count;
  let prev = 0;
  const sizes: Record<string, number> = {};
  for (const [le, n] of Object.entries(b.buckets)) {
    const inRange = n - (a.buckets[le] ?? 0) - prev;
    prev += inRange;
    if (inRange > 0) sizes[`≤${le}`] = inRange;
  }
  const meanMs = count > 0 ? Math.round(((b.seconds - a.seconds) * 1000 * 10) / count) / 10 : 0;
  return {
    count,
    meanSize: count > 0 ? Math.round(((b.sum - a.sum) / count) * 10) / 10 : 0,
    meanCommitMs: meanMs,
    sizes,
  };
}

/** CPU ms per paid order of each process that served the run. */
const cpuPer = (cpuMs: Record<string, number>, paid: number) =>
  Object.fromEntries(Object.entries(cpuMs).map(([k, ms]) => [k, Math.round((ms / Math.max(1, paid)) * 1000) / 1000]));
const cpuPerPaid = (r: Awaited<ReturnType<typeof orderLoad>>) => cpuPer(r.result.cpuMs, r.paid);

/** paid orders per second: over the whole run when every request wins, from first to last 201 for a sell-out */
const paidPerSec = (v: OrderVariant, r: Awaited<ReturnType<typeof orderLoad>>) =>
  Math.round(
    v === 'wins' ? (r.paid * 1000) / Math.max(1, r.result.lastAt - r.result.firstAt) : (r.paid * 1000) / r.windowMs,
  );

/** The plain shop's every-wins rate in this run (paid/s), once shop-order-wins has run: the engine is timed at its half too. */
let shopWinsPaidPerSec = 0;

/**
 * Every-wins orders at a fixed arrival rate (the open loop): the latency a server gives below its saturation,
 * which a closed loop at saturation cannot show. Every answer must be a 201.
 */
async function ordersAtRate(
  ctx: Context,
  server: Proc,
  optionId: number,
  firstUser: number,
  name: string,
  rate: number,
): Promise<Outcome> {
  const result = await load({
    ...ctx.opts,
    warmupS: 1, // opens the sockets at the same rate, so the measured run opens none
    url: server.url,
    rate,
    ...crowd(ctx, optionId, firstUser),
    cpu: () => server.cpu(),
    sample: () => server.rssMb(),
    sampleParts: () => server.rssByProcess(),
  });
  const paid = result.byStatus['201'] ?? 0;
  const sent = Math.round(rate * ctx.opts.durationS);
  return {
    name,
    load: result,
    audit: { passed: paid === sent && result.errors === 0 && result.timeouts === 0, checks: { sent, paid201: paid } },
    extra: { rate, paidPerSec: result.reqPerSec },
    cpuPerRequest: cpuPer(result.cpuMs, paid),
  };
}

function engineOrders(variant: OrderVariant): Scenario {
  const name = `order-${variant}`;
  return {
    name,
    needs: [`shop-order-${variant}`],
    async run(ctx) {
      const engine = await ctx.engine();
      const stock = stockOf(variant);
      const product = await ctx.api(engine, 'POST', '/admin/products', {
        name: `Limited ${variant}`,
        options: [{ name: 'one size', price: PRICE, stock }],
      });
      const optionId = product.options[0].id as number;
      // Funded buyers straight into the record (setup, not measured), each with one CHARGE row.
      const warmUp = await ctx.api(engine, 'POST', '/admin/products', {
        name: `Warm-up ${variant}`,
        options: [{ name: 'one size', price: PRICE, stock: WINS_STOCK }],
      });
      const db = ctx.db();
      const [res] = (await db.query('SELECT COALESCE(MAX(id), 0) AS maxId FROM users')) as any;
      // The warm-up's buyers first, then the measured ones.
      const warmUpUser = Number(res[0].maxId) + 1;
      const firstUser = warmUpUser + BUYERS;
      const ids = Array.from({ length: 2 * BUYERS }, (_, j) => warmUpUser + j);
      await db.query('INSERT INTO users (id, name, created_at) VALUES ?', [
        ids.map((id) => [id, `buyer ${id}`, new Date()]),
      ]);
      await db.query('INSERT INTO point_wallets (user_id, balance, updated_at) VALUES ?', [
        ids.map((id) => [id, FUNDS, new Date()]),
      ]);
      await db.query('INSERT INTO point_history (user_id, type, amount, balance_after, created_at) VALUES ?', [
        ids.map((id) => [id, 'CHARGE', FUNDS, FUNDS, new Date()]),
      ]);

      await warmUpOrders(ctx, engine, warmUp.options[0].id as number, warmUpUser);
      const before = await batchSizes(engine.url);
      const run = await orderLoad(ctx, engine, optionId, firstUser, engine);
      const batches = diffBatches(before, await batchSizes(engine.url));
      await sleep(500); // the answers are in; let the ledger job and the confirmations settle
      const live = Number(await ctx.redis.get(ctx.keys.optionStock(optionId)));
      const [[opt]] = (await db.query(
        'SELECT o.stock + COALESCE((SELECT SUM(delta) FROM stock_ledger l WHERE l.option_id = o.id AND l.applied_at IS NULL), 0) AS stock FROM product_options o WHERE o.id = ?',
        [optionId],
      )) as any;
      const [[sold]] = (await db.query(
        'SELECT COALESCE(SUM(quantity),0) AS units FROM order_items i JOIN orders o ON o.id = i.order_id WHERE i.option_id = ? AND o.status = "PAID"',
        [optionId],
      )) as any;
      const [[pts]] = (await db.query(
        'SELECT COALESCE(SUM(CASE WHEN type = "USE" THEN amount ELSE 0 END), 0) AS used, (SELECT MIN(balance) FROM point_wallets WHERE user_id BETWEEN ? AND ?) AS minBalance FROM point_history WHERE user_id BETWEEN ? AND ?',
        [firstUser, firstUser + BUYERS - 1, firstUser, firstUser + BUYERS - 1],
      )) as any;
      const [[open]] = (await db.query('SELECT COUNT(*) AS n FROM reservation_outcomes')) as any;
      const checks = {
        paid201: run.paid,
        soldUnits: Number(sold.units),
        liveStock: live,
        durableStock: Number(opt.stock),
        openReservations: await ctx.redis.zcard(ctx.keys.reservations),
        outcomeRows: Number(open.n),
        pointsDebited: Number(pts.used),
        minBalance: Number(pts.minBalance),
        sellOutMs: run.windowMs,
      };
      const passed =
        checks.soldUnits === stock - checks.liveStock &&
        checks.soldUnits === stock - checks.durableStock &&
        settledAll(variant, checks.paid201, checks.soldUnits, ctx.opts.connections) &&
        checks.openReservations === 0 &&
        checks.pointsDebited === checks.soldUnits * PRICE &&
        checks.minBalance >= 0;
      const refusals = run.result.total - run.paid;
      const refusalsPerSec =
        variant === 'sellout' ? Math.round((refusals * 1000) / Math.max(1, run.result.lastAt - run.last201)) : 0;
      const out: Outcome[] = [
        {
          name,
          load: run.result,
          audit: { passed, checks },
          extra: { paidPerSec: paidPerSec(variant, run), refusalsPerSec, peakRssMb: run.result.peakSample ?? 0 },
          rss: run.result.peakParts,
          batches,
          cpuPerRequest: cpuPerPaid(run),
        },
      ];
      if (variant === 'wins') {
        // The same crowd at fixed rates: the shop's half (like for like), then half and 80 % of the engine's own.
        const own = paidPerSec(variant, run);
        const rates: [string, number][] = [
          ['order-wins-at-shop-50', Math.round(shopWinsPaidPerSec * 0.5)],
          ['order-wins-open-50', Math.round(own * 0.5)],
          ['order-wins-open-80', Math.round(own * 0.8)],
        ];
        for (const [label, rate] of rates)
          if (rate > 0) out.push(await ordersAtRate(ctx, engine, optionId, firstUser, label, rate));
      }
      return out;
    },
  };
}

/** The plain MySQL shop (bench/servers/order-baseline.ts) under the same crowd, with its own audit. */
function shopOrders(variant: OrderVariant): Scenario {
  const name = `shop-order-${variant}`;
  return {
    name,
    async run(ctx) {
      await ctx.engine(); // creates the database the shop's tables live in
      const srv = await startProcess('bench/servers/order-baseline.ts', {
        JWT_SECRET: ctx.env.JWT_SECRET,
        DATABASE_URL: ctx.env.DATABASE_URL,
      });
      try {
        const stock = stockOf(variant);
        const firstUser = 1;
        // Setup empties the shop's orders, history and wallets: the warm-up's (option 2) leave no trace.
        const setup = async (optionId: number, units: number) => {
          const r = await fetch(`${srv.url}/admin/setup`, {
            method: 'POST',
            headers: json,
            body: JSON.stringify({ optionId, price: PRICE, stock: units, firstUser, users: BUYERS, balance: FUNDS }),
          });
          if (r.status !== 200) throw new Error(`shop setup: ${r.status}`);
        };
        await setup(2, WINS_STOCK);
        await warmUpOrders(ctx, srv, 2, firstUser);
        // The warm-up's last orders (one per connection) may still be committing: setup must come after them.
        let orders = -1;
        for (;;) {
          const a = (await (await fetch(`${srv.url}/admin/audit/2`)).json()) as { orders: number };
          if (a.orders === orders) break;
          orders = a.orders;
          await sleep(200);
        }
        await setup(1, stock);
        const run = await orderLoad(ctx, srv, 1, firstUser);
        const a = (await (await fetch(`${srv.url}/admin/audit/1`)).json()) as Record<string, number>;
        const checks = { paid201: run.paid, ...a, sellOutMs: run.windowMs };
        const passed =
          a.stock! + a.sold! === stock &&
          settledAll(variant, run.paid, a.sold!, ctx.opts.connections) &&
          a.debited === a.sold! * PRICE &&
          a.minBalance! >= 0;
        const out: Outcome[] = [
          {
            name,
            load: run.result,
            audit: { passed, checks },
            extra: { paidPerSec: paidPerSec(variant, run) },
            cpuPerRequest: cpuPerPaid(run),
          },
        ];
        if (variant === 'wins') {
          shopWinsPaidPerSec = paidPerSec(variant, run);
          const rate = Math.round(shopWinsPaidPerSec * 0.5);
          out.push(await ordersAtRate(ctx, srv, 1, firstUser, 'shop-order-wins-open-50', rate));
        }
        return out;
      } finally {
        await srv.stop();
      }
    },
  };
}

const popularRead: Scenario = {
  name: 'popular-read',
  async run(ctx) {
    const engine = await ctx.engine();
    await ctx.api(engine, 'POST', '/admin/popular/refresh');
    return [{ name: 'popular-read', load: await load({ ...ctx.opts, url: engine.url, path: '/products/popular' }) }];
  },
};

/**
 * The read path layer by layer, each against the bare GET of the same run: the engine's request context, then
 * its metrics too (bench/servers/layers.ts); popular-read is the whole engine.
 */
const readLayers: Scenario = {
  name: 'read-layers',
  needs: ['baseline-get'],
  async run(ctx) {
    const out: Outcome[] = [];
    for (const layers of ['context', 'context,metrics']) {
      const srv = await startProcess('bench/servers/layers.ts', { LAYERS: layers });
      try {
        const name = `layers-${layers.replace(',', '+')}`;
        out.push({ name, load: await load({ ...ctx.opts, url: srv.url, path: '/small' }) });
      } finally {
        await srv.stop();
      }
    }
    return out;
  },
};

const productRead: Scenario = {
  name: 'product-read',
  async run(ctx) {
    const engine = await ctx.engine();
    const product = await ctx.api(engine, 'POST', '/admin/products', {
      name: 'Read me',
      description: 'a product with three options',
      options: [1, 2, 3].map((i) => ({ name: `size ${i}`, price: 1000 * i, stock: 100 })),
    });
    const result = await load({ ...ctx.opts, url: engine.url, path: `/products/${product.id}` });
    return [
      {
        name: 'product-read',
        load: result,
        audit: {
          passed: (result.byStatus['200'] ?? 0) === result.total,
          checks: { ok200: result.byStatus['200'] ?? 0 },
        },
      },
    ];
  },
};

/** The coupon rush again with one API process per core (WEB_CONCURRENCY=2), workers in the primary. */
const couponRushTwoApis: Scenario = {
  name: 'coupon-rush-wc2',
  async run(ctx) {
    const engine = await ctx.engine({ WEB_CONCURRENCY: '2' });
    const coupon = await ctx.api(engine, 'POST', '/admin/coupons', {
      name: 'rush wc2',
      discountType: 'FIXED',
      discountValue: 100,
      totalQuantity: COPIES,
      validDays: 1,
    });
    const { result } = await issueRush(ctx, engine.url, () => `/coupons/${coupon.id}/issue`, engine);
    const status = await ctx.api(engine, 'GET', `/admin/coupons/${coupon.id}`);
    await ctx.stopEngines();
    // The warm-up asks the same coupon, so its copies may go before the measured run: count issued, not 201s.
    const passed = status.issuedCount === COPIES && status.remaining === 0;
    return [
      {
        name: 'coupon-rush-wc2',
        load: result,
        audit: { passed, checks: { issued: status.issuedCount, created201: result.byStatus['201'] ?? 0 } },
        extra: { peakRssMb: result.peakSample ?? 0 },
      },
    ];
  },
};

/**
 * The flash-sale mix (as a crowd meets a sale): one 1,000-copy coupon, FLASH_USERS users whose tokens rotate, so
 * the first ~1,000 answers are 201 and the rest COUPON_SOLD_OUT / COUPON_ALREADY_ISSUED. Closed loop, then open
 * loop at 50 % and 80 % of the closed loop's rate (a fresh coupon each time, so each run is the same mix).
 */
const FLASH_COPIES = 1_000;
const FLASH_USERS = 2_000;

async function flashRun(ctx: Context, engine: Proc, rate?: number) {
  const newCoupon = () =>
    ctx.api(engine, 'POST', '/admin/coupons', {
      name: 'flash',
      discountType: 'FIXED',
      discountValue: 100,
      totalQuantity: FLASH_COPIES,
      validDays: 1,
    });
  const coupon = await newCoupon();
  const first = freshUsers();
  // At a fixed rate, a second of the same sale on a coupon of its own first: the open loop's sockets and code warm
  // (cold, they charged the first second's requests 50-100 ms on the bare server too), the measured sale untouched.
  const warmupS = rate ? 1 : 0;
  const warmup = rate ? { count: Math.round(rate * warmupS), coupon: await newCoupon(), first: freshUsers() } : null;
  const result = await load({
    ...ctx.opts,
    warmupS,
    url: engine.url,
    method: 'POST',
    path: `/coupons/${coupon.id}/issue`,
    request: (n) =>
      warmup && n < warmup.count
        ? {
            path: `/coupons/${warmup.coupon.id}/issue`,
            headers: { authorization: `Bearer ${ctx.token(warmup.first + (n % FLASH_USERS))}` },
          }
        : { headers: { authorization: `Bearer ${ctx.token(first + (n % FLASH_USERS))}` } },
    sample: () => engine.rssMb(),
    sampleParts: () => engine.rssByProcess(),
    ...(rate ? { rate } : {}),
  });
  const status = await ctx.api(engine, 'GET', `/admin/coupons/${coupon.id}`);
  const checks = { issued: status.issuedCount, created201: result.byStatus['201'] ?? 0, remaining: status.remaining };
  return {
    result,
    audit: {
      passed: checks.issued === FLASH_COPIES && checks.created201 === FLASH_COPIES && checks.remaining === 0,
      checks,
    },
  };
}

const couponFlash: Scenario = {
  name: 'coupon-flash',
  async run(ctx) {
    const engine = await ctx.engine();
    await flashRun(ctx, engine).catch(() => undefined); // warm-up: JIT and connections, its own coupon
    const closed = await flashRun(ctx, engine);
    const out: Outcome[] = [
      {
        name: 'coupon-flash',
        load: closed.result,
        audit: closed.audit,
        extra: { peakRssMb: closed.result.peakSample ?? 0 },
        rss: closed.result.peakParts,
      },
    ];
    for (const share of [0.5, 0.8]) {
      const rate = Math.round(closed.result.reqPerSec * share);
      const open = await flashRun(ctx, engine, rate);
      out.push({
        name: `coupon-flash-open-${share * 100}`,
        load: open.result,
        audit: open.audit,
        extra: { rate, peakRssMb: open.result.peakSample ?? 0 },
        rss: open.result.peakParts,
      });
    }
    return out;
  },
};

export const SCENARIOS: Scenario[] = [
  baselineGet,
  baselinePost,
  { ...lockBaseline },
  { ...couponRush, needs: ['baseline-post', 'mysql-lock-baseline'] },
  { ...couponFlash, needs: ['baseline-post'] },
  { ...couponRushWin, needs: ['mysql-lock-baseline'] },
  shopOrders('wins'),
  shopOrders('sellout'),
  engineOrders('wins'),
  engineOrders('sellout'),
  readLayers,
  { ...popularRead, needs: ['baseline-get'] },
  { ...productRead, needs: ['baseline-get'] },
  { ...couponRushTwoApis, needs: ['baseline-post'] },
  { ...couponRushCluster, needs: ['coupon-rush'] },
];
