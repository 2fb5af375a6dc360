import type { OpenAPIHono, RouteConfig, RouteHandler, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from './errors.ts';
import { type AppEnv, validationError } from './http.ts';
import { nodeRequest, readNodeBody, requestHeader, statedLength } from './node-http.ts';

export type Target = 'param' | 'header' | 'json';
export type RequestParts = {
  params?: z.ZodObject;
  headers?: z.ZodObject;
  body?: { content: Record<string, { schema: unknown }> };
};

/**
 * A route on the hot path: documented and typed exactly as `router.openapi(route, handler)` would, but validated
 * by one middleware that reads the path, the headers and a sized JSON body from Node's request. zod-openapi's
 * validators are up to four async layers, and their `c.req.header()` and `c.req.json()` make @hono/node-server
 * build a whole web Request for each request, its Headers, and a web stream over a body that Node already holds.
 * The answers are the same: 400 VALIDATION_FAILED with `in` and `issues`, in the order params, headers, body.
 */
export function hotRoute<R extends RouteConfig>(
  router: OpenAPIHono<AppEnv>,
  route: R,
  handler: RouteHandler<R, AppEnv>,
): OpenAPIHono<AppEnv> {
  const { middleware, ...documented } = route;
  router.openAPIRegistry.registerPath(documented);
  const before = middleware === undefined ? [] : Array.isArray(middleware) ? middleware : [middleware];
  router.on(
    [route.method],
    [honoPath(route.path)],
    ...(before as MiddlewareHandler<AppEnv>[]),
    ...(route.request ? [validateFromNode(route.request as RequestParts)] : []),
    handler as unknown as MiddlewareHandler<AppEnv>,
  );
  return router;
}

function validateFromNode(request: RequestParts): MiddlewareHandler<AppEnv> {
  if (Object.keys(request).some((k) => !['params', 'headers', 'body'].includes(k)))
    throw new Error('hotRoute validates params, headers and a JSON body only');
  const { params, headers } = request;
  const body = jsonSchemaOf(request);
  return async (c, next) => {
    if (params) c.req.addValidatedData('param', parsePart('param', params, c.req.param()) as object);
    if (headers) c.req.addValidatedData('header', parseHeaders(headers, (name) => requestHeader(c, name)) as object);
    if (body) c.req.addValidatedData('json', parsePart('json', body, await jsonOf(c)) as object);
    await next();
  };
}

/** The schema of a route's JSON body, if it takes one. */
export const jsonSchemaOf = (request: RequestParts | undefined): z.ZodType | undefined =>
  request?.body?.content['application/json']?.schema as z.ZodType | undefined;

/** Hono's form of an OpenAPI path (`/products/{productId}` → `/products/:productId`), its routePath. */
export const honoPath = (path: string) => path.replaceAll(/\/{(.+?)}/g, '/:$1');

/** The headers the schema names, each read with `header`, through the schema. */
export function parseHeaders(headers: z.ZodObject, header: (name: string) => string | undefined): unknown {
  return parsePart('header', headers, Object.fromEntries(Object.keys(headers.shape).map((n) => [n, header(n)])));
}

/** One part of the request through its schema, or the contract's 400 naming the part. */
export function parsePart(target: Target, schema: z.ZodType, value: unknown): unknown {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(target, result.error);
  return result.data;
}

/**
 * The body as Hono's JSON validator reads it: no Content-Type (and so no body: `guard` answered 415 otherwise)
 * validates `{}`; a leading BOM is dropped as `Request.json()` does. Only a body of stated length is read from
 * Node (see statedLength).
 */
async function jsonOf(c: Context<AppEnv>): Promise<unknown> {
  if (requestHeader(c, 'content-type') === undefined) return {};
  const incoming = nodeRequest(c);
  const stated = incoming && statedLength((name) => requestHeader(c, name)) !== undefined;
  return parseJson(stated ? await readNodeBody(incoming) : await c.req.text());
}

/** A body's text as `Request.json()` reads it (a leading BOM dropped), or the contract's 400. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'The body is not valid JSON');
  }
}
