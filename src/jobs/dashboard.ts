import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { timingSafeEqual } from 'node:crypto';
import type { Hono, MiddlewareHandler } from 'hono';
import type { Deps } from '../deps.ts';
import type { AppEnv } from '../lib/http.ts';

export const DASHBOARD_PATH = '/admin/queues';

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * bull-board has no auth of its own: it takes an admin bearer token, or basic auth with ADMIN_USER /
 * ADMIN_PASSWORD for browsers (whose 401 asks for it with WWW-Authenticate).
 */
export function dashboardAuth(deps: Deps): MiddlewareHandler<AppEnv> {
  const { ADMIN_USER, ADMIN_PASSWORD } = deps.config;
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    if (header.startsWith('Bearer ')) {
      const principal = deps.jwt.verify(header.slice(7).trim());
      if (principal?.role === 'admin') return next();
      if (principal) return c.json({ error: { code: 'FORBIDDEN', message: 'Admin role required' } }, 403);
    } else if (header.startsWith('Basic ') && ADMIN_USER && ADMIN_PASSWORD) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep > 0 && same(decoded.slice(0, sep), ADMIN_USER) && same(decoded.slice(sep + 1), ADMIN_PASSWORD))
        return next();
    }
    c.header('WWW-Authenticate', 'Basic realm="queues", charset="UTF-8"');
    return c.json({ error: { code: 'UNAUTHENTICATED', message: 'Admin credentials required' } }, 401);
  };
}

/** Mounts the BullMQ dashboard for every queue of the engine. */
export function mountDashboard(app: Hono<AppEnv>, deps: Deps): void {
  const adapter = new HonoAdapter(serveStatic).setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: Object.values(deps.queues).map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
  app.use(DASHBOARD_PATH, dashboardAuth(deps));
  app.use(`${DASHBOARD_PATH}/*`, dashboardAuth(deps));
  app.route(DASHBOARD_PATH, adapter.registerPlugin());
}
