import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OpenAPIHono, RouteConfig, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Deps } from '../deps.ts';
import { type Access, assertAccess } from './access.ts';
import { AppError } from './errors.ts';
import { hotRoute } from './hot-route.ts';
import { type AppEnv, authenticate, failure, guard, sendError } from './http.ts';
import type { Principal } from './jwt.ts';
import { requestDurations } from './metrics.ts';
import { requestIdOf } from './request-context.ts';
import { API_SECURITY_HEADERS } from './security-headers.ts';

/**
 * Lean routes: the few routes a crowd hits (the popular list, a product page, the coupon claim) are answered by
 * Node's request listener itself, before @hono/node-server turns the request into a web Request and Hono runs its
 * middleware chain. That stack, not the route's own work, was most of their cost: measured on the popular list,
 * the same answer with the same request id, security headers and histogram went from 9.9k-12.4k to 20.5k-21.1k
 * req/s, above a bare Hono GET's 17.5k in the same run.
 *
 * A lean route is still a route of the app: documented in the OpenAPI, and answered by Hono (same guard, same
 * validation, the same `answer`) under `app.request` and for every request the lean path does not take. The lean
 * path takes only the plain case: its method, a path of plain characters whose params pass the route's schema,
 * and no body. Anything else (HEAD, a percent-encoded or malformed id, a body) goes on to Hono, whose answer is
 * the contract's by construction.
 */

/** A lean route's success: its status and its body as JSON text (a cached answer is sent as it is). */
export type LeanReply = { status: number; json: string };
type Answer = LeanReply | AppError;
type ParamsOf<R extends RouteConfig> = R['request'] extends { params: infer P extends z.ZodType }
  ? z.output<P>
  : Record<string, never>;
export type LeanInput<P> = { deps: Deps; params: P; principal: Principal | undefined };

export type LeanRoute<R extends RouteConfig = RouteConfig> = {
  route: R;
  /** who may call it (401/403 before the params' 400, as `guard` orders them); none for a public read */
  access: Access | undefined;
  answer(input: LeanInput<ParamsOf<R>>): Promise<Answer> | Answer;
};

export const reply = (status: number, body: unknown): LeanReply => ({ status, json: JSON.stringify(body) });

export const leanRoute = <R extends RouteConfig>(
  route: R,
  access: Access | undefined,
  answer: LeanRoute<R>['answer'],
): LeanRoute<R> => ({ route, access, answer });

/** Hono's form of an OpenAPI path (`/products/{productId}` → `/products/:productId`): its routePath, a metrics label. */
export const honoPath = (path: string) => path.replaceAll(/\/{(.+?)}/g, '/:$1');

/** The route in a Hono router: documented, guarded and validated as hotRoute does, answering with the same `answer`. */
export function serveLean<R extends RouteConfig>(router: OpenAPIHono<AppEnv>, lean: LeanRoute<R>): OpenAPIHono<AppEnv> {
  const route = { ...lean.route, ...(lean.access ? { middleware: guard(lean.access) } : {}) };
  const handler = async (c: Context<AppEnv>) => {
    const answer = await lean.answer({
      deps: c.get('deps'),
      params: (lean.route.request?.params ? c.req.valid('param' as never) : {}) as ParamsOf<R>,
      principal: lean.access ? c.get('principal') : undefined,
    });
    if (answer instanceof AppError) return sendError(c, answer);
    return c.body(answer.json, answer.status as 200, { 'Content-Type': 'application/json' });
  };
  return hotRoute(router, route, handler as never);
}

type Compiled = {
  lean: LeanRoute;
  method: string;
  label: string;
  /** the path's segments after the leading slash; a param's segment is its name, with `param` set */
  segments: { text: string; param: boolean }[];
  params: z.ZodType | undefined;
};

function compile(lean: LeanRoute): Compiled {
  const path = honoPath(lean.route.path);
  return {
    lean,
    method: lean.route.method.toUpperCase(),
    label: path,
    segments: path
      .slice(1)
      .split('/')
      .map((s) => (s.startsWith(':') ? { text: s.slice(1), param: true } : { text: s, param: false })),
    params: lean.route.request?.params as z.ZodType | undefined,
  };
}

/** The raw params of `parts` (the path's segments) on the route, or null when the route does not match. */
function match(route: Compiled, parts: string[]): Record<string, string> | null {
  if (parts.length !== route.segments.length) return null;
  const raw: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const seg = route.segments[i]!;
    if (seg.param) {
      if (parts[i] === '') return null;
      raw[seg.text] = parts[i]!;
    } else if (seg.text !== parts[i]) return null;
  }
  return raw;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
};

const PLAIN_PATH = /^\/[\w\-./]*$/;

/**
 * The Node listener's first look at a request (see above): answers it and returns true when a lean route takes
 * it, else returns false for Hono to answer. Routes are tried in order, so a literal path goes before a param
 * that could match it.
 */
export function leanDispatch(deps: Deps, routes: LeanRoute[]): (req: IncomingMessage, res: ServerResponse) => boolean {
  const compiled = routes.map(compile);
  const durations = requestDurations(deps.metrics);

  function send(res: ServerResponse, route: Compiled, reqId: string, answer: Answer, started: number): void {
    const failed = answer instanceof AppError;
    const json = failed ? JSON.stringify(answer.toBody()) : answer.json;
    res.writeHead(answer.status, {
      ...API_SECURITY_HEADERS,
      'X-Request-Id': reqId,
      ...(failed ? answer.headers : undefined),
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(json),
    });
    res.end(json);
    const ok = answer.status >= 200 && answer.status < 300;
    durations.observe(
      { method: route.method, route: route.label, status: String(answer.status), ok: String(ok) },
      (performance.now() - started) / 1000,
    );
  }

  function respond(req: IncomingMessage, res: ServerResponse, route: Compiled, params: unknown): void {
    const started = performance.now();
    const reqId = requestIdOf(header(req, 'x-request-id'));
    const failed = (err: unknown) =>
      send(res, route, reqId, failure(deps.logger, err, { reqId, method: route.method, path: req.url ?? '' }), started);
    try {
      let principal: Principal | undefined;
      const access = route.lean.access;
      if (access) {
        principal = authenticate(deps, header(req, 'authorization'));
        assertAccess(
          principal,
          access,
          access.kind === 'self' ? (params as Record<string, string>)[access.param] : undefined,
        );
      }
      const answer = route.lean.answer({ deps, params: params as never, principal });
      // A cached answer is sent in this turn; only a real wait goes through a promise.
      if (answer instanceof Promise) answer.then((a) => send(res, route, reqId, a, started), failed);
      else send(res, route, reqId, answer, started);
    } catch (err) {
      failed(err);
    }
  }

  return (req, res) => {
    const method = req.method;
    if (method !== 'GET' && method !== 'POST') return false;
    const length = req.headers['content-length'];
    if ((length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined) return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (!PLAIN_PATH.test(path)) return false;
    const parts = path.slice(1).split('/');
    for (const route of compiled) {
      if (route.method !== method) continue;
      const raw = match(route, parts);
      if (!raw) continue;
      const parsed = route.params ? route.params.safeParse(raw) : { success: true, data: {} };
      if (!parsed.success) return false;
      respond(req, res, route, parsed.data);
      return true;
    }
    return false;
  };
}
