import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import type { Deps } from '../deps.ts';
import { createRouter, jsonContent } from '../lib/http.ts';

const Health = z
  .object({ status: z.enum(['ok', 'degraded']), redis: z.enum(['up', 'down']), mysql: z.enum(['up', 'down']) })
  .openapi('Health');

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

/** Each dependency answers within a second or counts as down. */
export async function checkHealth(deps: Deps) {
  const [redis, mysql] = await Promise.all([
    within(deps.redis.ping(), 1_000).then(() => 'up' as const, () => 'down' as const),
    within(deps.db.execute(sql`SELECT 1`), 1_000).then(() => 'up' as const, () => 'down' as const),
  ]);
  return { status: redis === 'up' && mysql === 'up' ? ('ok' as const) : ('degraded' as const), redis, mysql };
}

export const healthRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/health',
    tags: ['Operations'],
    summary: 'Liveness of the engine and its dependencies',
    responses: { 200: jsonContent(Health, 'Every dependency is up'), 503: jsonContent(Health, 'A dependency is down') },
  }),
  async (c) => {
    const health = await checkHealth(c.get('deps'));
    return health.status === 'ok' ? c.json(health, 200) : c.json(health, 503);
  },
);
