import { createRoute } from '@hono/zod-openapi';
import { bearerSecurity, createRouter, errorResponses, guard, jsonContent } from '../lib/http.ts';
import { leanRoute, serveLean } from '../lib/lean-route.ts';
import { Popular } from './popular.schemas.ts';
import { freshPopular, readPopular, refreshPopular } from './popular.service.ts';

/** A lean route (src/lib/lean-route.ts): a product page's crowd reads it. */
export const popularRead = leanRoute(
  createRoute({
    method: 'get',
    path: '/products/popular',
    tags: ['Products'],
    summary: 'Top 5 products by units sold in the last 72 whole UTC hours (precomputed snapshot)',
    description: 'Equal counts rank the lower productId first. Refreshed hourly and by POST /admin/popular/refresh.',
    responses: { 200: jsonContent(Popular, 'The latest snapshot') },
  }),
  undefined,
  // Already serialized: the cached bytes are sent as they are, in this turn while they are fresh.
  ({ deps }) => {
    const fresh = freshPopular(deps);
    return fresh !== undefined
      ? { status: 200, json: fresh }
      : readPopular(deps).then((json) => ({ status: 200, json }));
  },
);

export const popularRoutes = serveLean(createRouter(), popularRead).openapi(
  createRoute({
    method: 'post',
    path: '/admin/popular/refresh',
    tags: ['Admin'],
    summary: 'Run the popular-products aggregation now',
    security: bearerSecurity,
    middleware: guard({ kind: 'admin' }),
    responses: { 200: jsonContent(Popular, 'The new snapshot'), ...errorResponses('UNAUTHENTICATED', 'FORBIDDEN') },
  }),
  async (c) => c.json(await refreshPopular(c.get('deps')), 200),
);
