import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OpenAPIHono, RouteConfig, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Deps } from '../deps.ts';
import { type Access, assertAccess } from './access.ts';
import { AppError } from './errors.ts';
import {
  honoPath,
  hotRoute,
  jsonSchemaOf,
  parseHeaders,
  parseJson,
  parsePart,
  type RequestParts,
} from './hot-route.ts';
import { type AppEnv, authenticate, failure, guard, isJsonType, MAX_BODY_BYTES, sendError } from './http.ts';
import type { Principal } from './jwt.ts';
import { requestDurations } from './metrics.ts';
import { nodeHeader, readNodeBody, statedLength } from './node-http.ts';
import { requestIdOf } from './request-context.ts';
import { API_SECURITY_HEADERS } from './security-headers.ts';

/**
 * Lean routes: the few routes a crowd hits (the popular list, a product page, the coupon claim, the order, and the
 * point charge, which shares the order committer) are answered by Node's request listener itself, before
 * @hono/node-server turns the request into a web Request and Hono runs its middleware chain. That stack, not the route's own work, was most of their cost: measured on the popular list,
 * the same answer with the same request id, security headers and histogram went from 9.9k-12.4k to 20.5k-21.1k
 * req/s, above a bare Hono GET's 17.5k in the same run.
 *
 * A lean route is still a route of the app: documented in the OpenAPI, and answered by Hono (same guard, same
 * validation, the same `answer`) under `app.request` and for every request the lean path does not take. The lean
 * path takes only the plain case: its method, a path of plain characters whose params pass the route's schema,
 * and no body, or for a JSON route a JSON body of stated length within the limit. Anything else (HEAD, a
 * percent-encoded or malformed id, an unexpected body, a 413 or 415 to answer, a chunked body) goes on to Hono,
 * whose answer is the contract's by construction.
 */

/** A lean route's success: its status, its body as JSON text (a cached answer is sent as it is), extra headers. */
export type LeanReply = { status: number; json: string; headers?: Record<string, string> };
type Answer = LeanReply | AppError;
type Json<T> = { content: { 'application/json': { schema: T } } };
type Parts<R extends RouteConfig> = R['request'] extends infer Q
  ? {
      params: Q extends { params: infer P extends z.ZodType } ? z.output<P> : Record<string, never>;
      headers: Q extends { headers: infer H extends z.ZodType } ? z.output<H> : Record<string, never>;
      body: Q extends { body: Json<infer B extends z.ZodType> } ? z.output<B> : undefined;
    }
  : never;
/**
 * What an answer gets: the validated parts, the caller (when the route has `access`), and the concrete path
 * (an idempotency key's scope).
 */
export type LeanInput<R extends RouteConfig, A extends Access | undefined = Access | undefined> = Parts<R> & {
  deps: Deps;
  principal: A extends Access ? Principal : undefined;
  path: string;
};

export type LeanRoute<R extends RouteConfig = RouteConfig, A extends Access | undefined = Access | undefined> = {
  route: R;
  /** who may call it (401/403 before the params' 400, as `guard` orders them); none for a public read */
  access: A;
  answer(input: LeanInput<R, A>): Promise<Answer> | Answer;
};

export const reply = (status: number, body: unknown): LeanReply => ({ status, json: JSON.stringify(body) });

export const leanRoute = <R extends RouteConfig, A extends Access | undefined>(
  route: R,
  access: A,
  answer: LeanRoute<R, A>['answer'],
): LeanRoute<R, A> => ({ route, access, answer });

/** The route in a Hono router: documented, guarded and validated as hotRoute does, answering with the same `answer`. */
export function serveLean<R extends RouteConfig, A extends Access | undefined>(
  router: OpenAPIHono<AppEnv>,
  lean: LeanRoute<R, A>,
): OpenAPIHono<AppEnv> {
  const request = lean.route.request as RequestParts | undefined;
  const route = {
    ...lean.route,
    ...(lean.access ? { middleware: guard(lean.access, request?.body !== undefined) } : {}),
  };
  const handler = async (c: Context<AppEnv>) => {
    const valid = (part: 'param' | 'header' | 'json', given: unknown) =>
      given ? c.req.valid(part as never) : undefined;
    const answer = await lean.answer({
      deps: c.get('deps'),
      params: valid('param', request?.params) ?? {},
      headers: valid('header', request?.headers) ?? {},
      body: valid('json', request?.body),
      principal: lean.access ? c.get('principal') : undefined,
      path: c.req.path,
    } as LeanInput<R, A>);
    if (answer instanceof AppError) return sendError(c, answer);
    if (answer.headers) for (const [k, v] of Object.entries(answer.headers)) c.header(k, v);
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
  headers: z.ZodObject | undefined;
  body: z.ZodType | undefined;
};

function compile(lean: LeanRoute): Compiled {
  const path = honoPath(lean.route.path);
  const request = lean.route.request as RequestParts | undefined;
  return {
    lean,
    method: lean.route.method.toUpperCase(),
    label: path,
    segments: path
      .slice(1)
      .split('/')
      .map((s) => (s.startsWith(':') ? { text: s.slice(1), param: true } : { text: s, param: false })),
    params: request?.params,
    headers: request?.headers,
    body: jsonSchemaOf(request),
  };
}

type Raw = Record<string, string>;

/** The raw params of `parts` (the path's segments) on the route, or null when the route does not match. */
function match(route: Compiled, parts: string[]): Raw | null {
  if (parts.length !== route.segments.length) return null;
  const raw: Raw = {};
  for (let i = 0; i < parts.length; i++) {
    const seg = route.segments[i]!;
    if (seg.param) {
      if (parts[i] === '') return null;
      raw[seg.text] = parts[i]!;
    } else if (seg.text !== parts[i]) return null;
  }
  return raw;
}

const PLAIN_PATH = /^\/[\w\-./]*$/;

/**
 * Whether the request's body is one the lean path takes: none for a route without one; for a JSON route, JSON of
 * a stated length within the limit (no 413 or 415 to answer: those, and chunked bodies, are Hono's).
 */
function plainBody(req: IncomingMessage, route: Compiled): boolean {
  const h = req.headers;
  if (!route.body) return h['transfer-encoding'] === undefined && (h['content-length'] ?? '0') === '0';
  const size = statedLength((name) => nodeHeader(req, name));
  const type = h['content-type'];
  return size !== undefined && size > 0 && size <= MAX_BODY_BYTES && type !== undefined && isJsonType(type);
}

/**
 * The Node listener's first look at a request (see above): answers it and returns true when a lean route takes
 * it, else returns false for Hono to answer. Routes are tried in order, so a literal path goes before a param
 * that could match it.
 */
export function leanDispatch(deps: Deps, routes: LeanRoute[]): (req: IncomingMessage, res: ServerResponse) => boolean {
  const compiled = routes.map(compile);
  const durations = requestDurations(deps.metrics);

  function send(res: ServerResponse, route: Compiled, reqId: string, answer: Answer, started: number): void {
    const json = answer instanceof AppError ? JSON.stringify(answer.toBody()) : answer.json;
    // The spread goes last: `{ ...constant, more }` takes V8's slow path (measured here: ~3 µs an object, and
    // 10-15 µs of CPU a request once Node iterated it), `{ more, ...constant }` its fast one (~0.2 µs).
    const headers = {
      'X-Request-Id': reqId,
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(json),
      ...API_SECURITY_HEADERS,
    };
    res.writeHead(answer.status, answer.headers ? Object.assign(headers, answer.headers) : headers);
    res.end(json);
    const ok = answer.status >= 200 && answer.status < 300;
    durations.observe(
      { method: route.method, route: route.label, status: String(answer.status), ok: String(ok) },
      (performance.now() - started) / 1000,
    );
  }

  async function answerWithBody(req: IncomingMessage, route: Compiled, input: LeanInput<RouteConfig>) {
    input.body = parsePart('json', route.body!, parseJson(await readNodeBody(req))) as never;
    return route.lean.answer(input);
  }

  /** After the params (valid, or Hono would be answering): the caller, the headers, the body, then the answer. */
  function respond(
    req: IncomingMessage,
    res: ServerResponse,
    route: Compiled,
    path: string,
    raw: Raw,
    params: unknown,
  ) {
    const started = performance.now();
    const reqId = requestIdOf(nodeHeader(req, 'x-request-id'));
    const failed = (err: unknown) =>
      send(res, route, reqId, failure(deps.logger, err, { reqId, method: route.method, path }), started);
    try {
      let principal: Principal | undefined;
      const access = route.lean.access;
      if (access) {
        principal = authenticate(deps, nodeHeader(req, 'authorization'));
        assertAccess(principal, access, access.kind === 'self' ? raw[access.param] : undefined);
      }
      const headers = route.headers ? parseHeaders(route.headers, (name) => nodeHeader(req, name)) : {};
      const input = { deps, params, headers, body: undefined, principal, path } as LeanInput<RouteConfig>;
      const answer = route.body ? answerWithBody(req, route, input) : route.lean.answer(input);
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
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (!PLAIN_PATH.test(path)) return false;
    const parts = path.slice(1).split('/');
    for (const route of compiled) {
      if (route.method !== method) continue;
      const raw = match(route, parts);
      if (!raw) continue;
      if (!plainBody(req, route)) return false;
      const parsed = route.params ? route.params.safeParse(raw) : { success: true, data: {} };
      if (!parsed.success) return false;
      respond(req, res, route, path, raw, parsed.data);
      return true;
    }
    return false;
  };
}
