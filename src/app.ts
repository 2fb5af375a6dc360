import { OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Deps } from './deps.ts';
import { healthRoutes } from './health/health.routes.ts';
import { AppError } from './lib/errors.ts';
import { failure, sendError, validationHook, type AppEnv } from './lib/http.ts';
import { httpMetrics, scrapeMetrics } from './lib/metrics.ts';
import { requestContext } from './lib/request-context.ts';
import { leanDispatch } from './lib/lean-route.ts';
import { startServer } from './lib/server.ts';
import { pointsCharge, pointsRoutes } from './points/points.routes.ts';
import { couponIssue, couponsRoutes } from './coupons/coupons.routes.ts';
import { orderPlace, ordersRoutes } from './orders/orders.routes.ts';
import { productRead, productsRoutes } from './products/products.routes.ts';
import { popularRead, popularRoutes } from './popular/popular.routes.ts';
import { mountDashboard } from './jobs/dashboard.ts';
import { usersRoutes } from './users/users.routes.ts';
import { docsRoutes } from './docs/docs.routes.ts';

/** Builds the whole HTTP app around its dependencies; tests call `app.request()` on it without a port. */
export function createApp(deps: Deps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('*', requestContext(deps));
  app.use('*', httpMetrics(deps.metrics));

  app.get('/metrics', async (c) => {
    const text = await scrapeMetrics(deps.metrics, deps.metricsHub);
    return c.body(text, 200, { 'Content-Type': deps.metrics.contentType });
  });
  app.route('/', healthRoutes);
  app.route('/', usersRoutes);
  app.route('/', pointsRoutes);
  app.route('/', couponsRoutes);
  // Before products: /products/popular must not be taken for /products/{productId}.
  app.route('/', popularRoutes);
  app.route('/', productsRoutes);
  app.route('/', ordersRoutes);
  mountDashboard(app, deps);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'dashboardBasic', { type: 'http', scheme: 'basic' });
  documentPlainRoutes(app);
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Flash-sale coupon and order engine',
      version: '1.0.0',
      description:
        'Points, products, orders paid in points, first-come coupons and popular products. Errors share one body.',
    },
  });
  app.route('/', docsRoutes());

  app.notFound((c) => c.json(new AppError('NOT_FOUND').toBody(), 404));
  app.onError((err, c) =>
    sendError(c, failure(deps.logger, err, { reqId: c.get('requestId'), method: c.req.method, path: c.req.path })),
  );
  return app;
}

export type App = ReturnType<typeof createApp>;

/** The routes a crowd hits (and point charges, which share the order committer), answered before Hono (src/lib/lean-route.ts); the literal path before the param. */
export const LEAN_ROUTES = [popularRead, productRead, couponIssue, orderPlace, pointsCharge];

/** The app on a Node HTTP server as the engine serves it: its lean routes first, then Hono. */
export const serveApp = (deps: Deps, app: App, port: number) =>
  startServer(app.fetch, port, leanDispatch(deps, LEAN_ROUTES));

/** The routes that are not zod handlers, so that /openapi.json lists every route of the contract. */
function documentPlainRoutes(app: OpenAPIHono<AppEnv>) {
  const text = (type: string, description: string) => ({
    description,
    content: { [type]: { schema: { type: 'string' as const } } },
  });
  const ops: Omit<RouteConfig, 'method'>[] = [
    {
      path: '/openapi.json',
      summary: 'This OpenAPI 3.1 document',
      responses: { 200: text('application/json', 'The document') },
    },
    {
      path: '/docs',
      summary: 'Interactive API reference (Swagger UI, served by the engine: works offline)',
      responses: { 200: text('text/html', 'The page') },
    },
    {
      path: '/metrics',
      summary: 'Prometheus metrics (bind or protect in production)',
      responses: { 200: text('text/plain', 'Prometheus text format: request durations, Node process, engine_drift') },
    },
    {
      path: '/admin/queues',
      summary: 'The BullMQ dashboard (bull-board): admin token, or basic auth with ADMIN_USER / ADMIN_PASSWORD',
      security: [{ bearerAuth: [] }, { dashboardBasic: [] }],
      responses: {
        200: text('text/html', 'The dashboard'),
        401: { description: 'No credentials (with WWW-Authenticate: Basic)' },
        403: { description: 'A user token' },
      },
    },
  ];
  for (const { path, ...op } of ops)
    app.openAPIRegistry.registerPath({ method: 'get', path, tags: ['Operations'], ...op });
}
