import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../deps.ts';
import { rebuildState } from '../jobs/rebuild.ts';
import { createRouter, jsonContent } from '../lib/http.ts';
import { ping } from '../db/client.ts';

const Health = z
  .object({
    status: z.enum(['ok', 'degraded', 'rebuilding']),
    redis: z.enum(['up', 'down']),
    mysql: z.enum(['up', 'down']),
    rebuilding: z
      .boolean()
      .openapi({ description: "true until Redis holds every coupon's and option's state again (503 meanwhile)" }),
  })
  .openapi('Health');

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

/**
 * Each dependency answers within a second or counts as down. A Redis that lost its state is up but not ready:
 * the engine reports `rebuilding` (503) until the rebuild has put every coupon and option back, so a load
 * balancer keeps traffic away from answers that would be wrong.
 */
export async function checkHealth(deps: Deps) {
  const [rebuild, mysql] = await Promise.all([
    within(rebuildState(deps), 1_000).then(
      (r) => r.state,
      () => 'down' as const,
    ),
    within(ping(deps.db), 1_000).then(
      () => 'up' as const,
      () => 'down' as const,
    ),
  ]);
  const redis = rebuild === 'down' ? ('down' as const) : ('up' as const);
  const rebuilding = rebuild === 'restoring' || rebuild === 'lost';
  const status =
    redis === 'down' || mysql === 'down'
      ? ('degraded' as const)
      : rebuilding
        ? ('rebuilding' as const)
        : ('ok' as const);
  return { status, redis, mysql, rebuilding };
}

export const healthRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/health',
    tags: ['Operations'],
    summary: 'Liveness of the engine and its dependencies',
    responses: {
      200: jsonContent(Health, 'Every dependency is up'),
      503: jsonContent(Health, 'A dependency is down, or Redis is being rebuilt'),
    },
  }),
  async (c) => {
    const health = await checkHealth(c.get('deps'));
    return health.status === 'ok' ? c.json(health, 200) : c.json(health, 503);
  },
);
