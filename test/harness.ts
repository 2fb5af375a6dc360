/**
 * Each test file gets a private engine: its own MySQL database and its own Redis key prefix, so files run in
 * parallel against the shared servers without seeing each other's data. Real servers, never mocks.
 */
import { randomBytes } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { createApp } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { parseDatabaseUrl, prepareDatabase } from '../src/db/client.ts';
import { closeDeps, createDeps, type Deps } from '../src/deps.ts';
import { systemClock, type Clock } from '../src/lib/clock.ts';
import { createJwt } from '../src/lib/jwt.ts';
import { createUser } from '../src/users/users.service.ts';
import { rebuildRedis } from '../src/jobs/rebuild.ts';
import { startWorkers, type Workers, type WorkerTuning } from '../src/jobs/workers.ts';

export const TEST_SECRET = 'test-secret-0123456789abcdef-0123456789';

export type TestEngine = Awaited<ReturnType<typeof createTestEngine>>;
export type Res = { status: number; body: any; headers: Headers };

export function testConfig(overrides: Record<string, string> = {}): Config {
  const id = randomBytes(5).toString('hex');
  const db = new URL(process.env.DATABASE_URL || 'mysql://root@127.0.0.1:3306/commerce');
  db.pathname = `/t_${id}`;
  return loadConfig({
    NODE_ENV: 'test',
    REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    ...(process.env.REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES: process.env.REDIS_CLUSTER_NODES } : {}),
    DATABASE_URL: db.toString(),
    REDIS_PREFIX: `t:${id}:`,
    JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL || 'silent',
    MYSQL_POOL_SIZE: '10',
    ...overrides,
  });
}

/** Short stall detection so a worker closed abruptly hands its job back within a second or two. */
export const FAST_STALLS: WorkerTuning = { stalledInterval: 1_000, lockDuration: 2_000 };

export async function createTestEngine(opts: { clock?: Clock; env?: Record<string, string>; workers?: boolean } = {}) {
  const config = testConfig(opts.env);
  await prepareDatabase(config.DATABASE_URL);
  const deps = await createDeps(config, { clock: opts.clock ?? systemClock });
  // As the engine's start-up does: Redis is marked whole (nothing to restore in a new database).
  await rebuildRedis(deps);
  const app = createApp(deps);
  const jwt = createJwt(TEST_SECRET);
  const exp = () => Math.floor(Date.now() / 1000) + 3600;
  let workers: Workers | null = opts.workers ? await startWorkers(deps, FAST_STALLS) : null;

  const tokenFor = (userId: number) => jwt.sign({ sub: String(userId), role: 'user', exp: exp() });
  const adminToken = jwt.sign({ sub: 'admin', role: 'admin', exp: exp() });

  async function request(
    method: string,
    path: string,
    opts: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<Res> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await app.request(path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      /* non-JSON bodies (docs, metrics) stay text */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  /** A user with `points` charged (through the real charge path when > 0). */
  async function user(points = 0, name = 'buyer') {
    const { id } = await createUser(deps, name);
    const token = tokenFor(id);
    if (points > 0) {
      const r = await request('POST', `/users/${id}/points/charge`, { token, body: { amount: points } });
      if (r.status !== 200) throw new Error(`funding failed: ${JSON.stringify(r.body)}`);
    }
    return { id, token };
  }

  async function close() {
    await workers?.close(true);
    await deleteKeys(deps, await scanKeys(deps, `${config.REDIS_PREFIX}*`));
    await closeDeps(deps);
    const { database, ...server } = parseDatabaseUrl(config.DATABASE_URL);
    const conn = await mysql.createConnection(server);
    await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await conn.end();
  }

  const engine = {
    config,
    deps,
    app,
    request,
    tokenFor,
    adminToken,
    jwt,
    user,
    close,
    /** (Re)starts the workers; tests of crashes stop them with `stopWorkers(true)`. */
    async startWorkers() {
      workers ??= await startWorkers(deps, FAST_STALLS);
    },
    async stopWorkers(force = false) {
      await workers?.close(force);
      workers = null;
    },
  };
  return engine;
}

/** Every key matching `pattern`, on a single Redis or on each master of a cluster. */
export async function scanKeys(deps: Deps, pattern: string): Promise<string[]> {
  const nodes = deps.redis instanceof Cluster ? deps.redis.nodes('master') : [deps.redis as Redis];
  const found: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}

/** Deletes keys one command each, so it works across cluster slots too. */
export async function deleteKeys(deps: Deps, keys: string[]): Promise<void> {
  await Promise.all(keys.map((k) => deps.redis.unlink(k)));
}

/**
 * Polls `fn` until `ok` holds (errors count as "not yet") and returns that value; throws after `ms`, naming
 * what it waited for and the last value seen.
 */
export async function until<T>(fn: () => Promise<T> | T, ok: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  for (;;) {
    try {
      last = await fn();
      if (ok(last)) return last;
    } catch {
      /* not yet */
    }
    if (Date.now() > end)
      throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `fn` `n` times at once and returns every result. */
export const concurrently = <T>(n: number, fn: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: n }, (_, i) => fn(i)));
