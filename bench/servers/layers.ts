/**
 * The layer-by-layer pass of the read path: the bare server of baseline.ts (`GET /small`), plus the engine's own
 * per-request layers named in LAYERS (comma-separated, in the engine's order): `context` (request id, security
 * headers) and `metrics` (the request-duration histogram). The engine's code, not a copy of it; the rest of the
 * gap (the route table, zod-openapi's app, the handler) is the engine's own popular-read.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Registry } from 'prom-client';
import type { Deps } from '../../src/deps.ts';
import type { AppEnv } from '../../src/lib/http.ts';
import { httpMetrics } from '../../src/lib/metrics.ts';
import { requestContext } from '../../src/lib/request-context.ts';

const layers = new Set((process.env.LAYERS ?? '').split(',').filter(Boolean));
const app = new Hono<AppEnv>();
// The context layer only stores deps on the request; nothing here reads them.
if (layers.has('context')) app.use('*', requestContext({} as Deps));
if (layers.has('metrics')) app.use('*', httpMetrics(new Registry()));
app.get('/small', (c) => c.json({ id: 1, name: 'small', ok: true }));
serve({ fetch: app.fetch, port: Number(process.env.PORT) }, () => console.log('ready'));
