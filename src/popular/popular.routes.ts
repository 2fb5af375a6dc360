import { createRoute } from '@hono/zod-openapi';
import { bearerSecurity, createRouter, errorResponses, guard, jsonContent } from '../lib/http.ts';
import { Popular } from './popular.schemas.ts';
import { readPopular, refreshPopular } from './popular.service.ts';

export const popularRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/products/popular',
      tags: ['Products'],
      summary: 'Top 5 products by units sold in the last 72 whole UTC hours (precomputed snapshot)',
      description: 'Equal counts rank the lower productId first. Refreshed hourly and by POST /admin/popular/refresh.',
      responses: { 200: jsonContent(Popular, 'The latest snapshot') },
    }),
    async (c) => {
      // Already serialized: the hot read sends the cached bytes as they are. The type goes with the body, as
      // c.json does: a c.header() call first would build a web Headers object for every answer.
      return c.body(await readPopular(c.get('deps')), 200, { 'Content-Type': 'application/json' }) as never;
    },
  )
  .openapi(
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
