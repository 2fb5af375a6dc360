import { afterAll, beforeAll } from 'vitest';
import { createTestEngine, type TestEngine } from '../harness.ts';
import type { EngineProcess } from './processes.ts';

/**
 * A test engine for this file plus the engine processes it starts; after the file every process is killed
 * and the engine's database and keys are removed. Read `ctx.e` inside tests (it is set in beforeAll).
 */
export function useFaultEngine(opts: Parameters<typeof createTestEngine>[0] = {}) {
  const ctx = { e: undefined as unknown as TestEngine, procs: [] as EngineProcess[] };
  beforeAll(async () => {
    ctx.e = await createTestEngine(opts);
  });
  afterAll(async () => {
    for (const p of ctx.procs) await p.kill('SIGKILL');
    await ctx.e?.close();
  });
  return ctx;
}

/** The environment that makes an engine process share a test engine's database, key prefix and secret. */
export const envOf = (e: TestEngine, extra: Record<string, string> = {}): Record<string, string> => ({
  NODE_ENV: 'test',
  JWT_SECRET: e.config.JWT_SECRET,
  DATABASE_URL: e.config.DATABASE_URL,
  REDIS_URL: e.config.REDIS_URL,
  REDIS_PREFIX: e.config.REDIS_PREFIX,
  ...(e.config.REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES: e.config.REDIS_CLUSTER_NODES } : {}),
  COUPON_DRAIN_INTERVAL_MS: '500',
  ...extra,
});

export const issueVia = (url: string, token: string, couponId: number) =>
  fetch(`${url}/coupons/${couponId}/issue`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

/** /health as the test reads it: the body's parts plus the HTTP status. */
export async function health(url: string) {
  const r = await fetch(`${url}/health`);
  return { ...((await r.json()) as { redis: string; mysql: string; rebuilding: boolean }), httpStatus: r.status };
}
