/**
 * The ceilings: a bare Hono app on @hono/node-server, same Node, same machine. GET returns small JSON; POST
 * parses a per-request JSON body and checks the same bearer token the engine checks, touching nothing else.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createJwt } from '../../src/lib/jwt.ts';

const jwt = createJwt(process.env.JWT_SECRET!);
const app = new Hono();
app.get('/small', (c) => c.json({ id: 1, name: 'small', ok: true }));
app.post('/echo', async (c) => {
  const principal = jwt.verify((c.req.header('authorization') ?? '').slice(7));
  if (!principal) return c.json({ error: { code: 'UNAUTHENTICATED', message: 'no' } }, 401);
  const body = await c.req.json();
  return c.json({ userId: principal.userId, got: typeof body }, 201);
});
serve({ fetch: app.fetch, port: Number(process.env.PORT) }, () => console.log('ready'));
