import { OpenAPIHono, z, type Hook } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Deps } from '../deps.ts';
import { AppError, causes, ERROR_STATUS, isAppError, type ErrorCode } from './errors.ts';
import type { Principal } from './jwt.ts';
import { requestHeader, statedLength } from './node-http.ts';
import type { Logger } from './logger.ts';
import { type Access, assertAccess } from './access.ts';

export type AppEnv = {
  Variables: { deps: Deps; principal: Principal; log: Logger; requestId: string };
};

export const MAX_BODY_BYTES = 64 * 1024;

/** The contract's 400 for a zod failure in one part of the request, with its field issues. */
export const validationError = (target: string, error: z.ZodError) =>
  new AppError('VALIDATION_FAILED', undefined, {
    in: target,
    issues: error.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message })),
  });

/** Turns every zod failure (params, query, headers, body) into the contract's 400 with field issues. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) throw validationError(result.target, result.error);
};

/** A feature router: shares the app's env type and validation hook, merged into the app with `app.route`. */
export const createRouter = () => new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'OUT_OF_STOCK' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('Error');

/** OpenAPI response entries for the given error codes, grouped by status. */
export function errorResponses(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, cs]) => [
      status,
      { description: cs.join(', '), content: { 'application/json': { schema: ErrorSchema } } },
    ]),
  );
}

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

/** Ids in paths: plain decimal digits, no leading zero, at most 2^53 − 1. */
export const idParam = (name: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'must be a positive integer without leading zeros')
    .transform(Number)
    .refine(Number.isSafeInteger, 'must be at most 2^53 - 1')
    .openapi({ param: { name, in: 'path' }, type: 'string', example: '1' });

export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,64}$/, 'must be 1..64 visible ASCII characters')
    .optional()
    .openapi({ description: 'Replays the first answer for a retried request (scoped to the token subject and path)' }),
});

/** Who the Authorization header says calls, or 401. */
export function authenticate(deps: Deps, header: string | undefined): Principal {
  if (!header?.startsWith('Bearer ')) throw new AppError('UNAUTHENTICATED');
  const principal = deps.jwt.verify(header.slice(7).trim());
  if (!principal) throw new AppError('UNAUTHENTICATED');
  return principal;
}

const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', `The request body must be at most ${MAX_BODY_BYTES} bytes`);
const countChunked = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw tooLarge();
  },
});

/** The media types zod-openapi's JSON body validator accepts. */
const JSON_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;
export const isJsonType = (type: string) => JSON_TYPE.test(type);

/**
 * 415 here, before the path and query validators run: the contract orders 413, then 415, then 400, and
 * zod-openapi would check the path before the media type. A body without a type counts as not JSON.
 */
function requireJson(c: Context<AppEnv>): void {
  const type = requestHeader(c, 'content-type');
  const hasBody =
    Number(requestHeader(c, 'content-length') ?? 0) > 0 || requestHeader(c, 'transfer-encoding') !== undefined;
  if (type !== undefined ? !isJsonType(type) : hasBody) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
}

/**
 * 413 from Content-Length alone when there is one: touching `c.req.raw.body` (as Hono's bodyLimit does first)
 * makes @hono/node-server build a full web Request and stream, which costs the hot path a large share of its
 * throughput. Chunked bodies, whose size is only known by reading them, are counted by Hono's middleware.
 */
const limitBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const length = statedLength((name) => requestHeader(c, name));
  if (length !== undefined) {
    if (length > MAX_BODY_BYTES) throw tooLarge();
    requireJson(c);
    return next();
  }
  return countChunked(c, () => {
    requireJson(c);
    return next();
  });
};

/**
 * Route middleware in the contract's order: 401, then 403, then (for routes that take a body) the body limit
 * (413); validators (415, 400) run after it because zod-openapi places route middleware before them.
 */
export function guard(access: Access, takesBody = false): MiddlewareHandler<AppEnv>[] {
  const check: MiddlewareHandler<AppEnv> = async (c, next) => {
    const principal = authenticate(c.get('deps'), requestHeader(c, 'authorization'));
    assertAccess(principal, access, access.kind === 'self' ? c.req.param(access.param) : undefined);
    c.set('principal', principal);
    await next();
  };
  return takesBody ? [check, limitBody] : [check];
}

/** The contract's error body with the error's status and headers (e.g. Retry-After). */
export function sendError(c: Context, err: AppError): never {
  if (err.headers) for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  // Typed `never` so routes can return it beside their typed success answers.
  return c.json(err.toBody(), err.status as ContentfulStatusCode) as never;
}

/** Security scheme reference for OpenAPI route definitions. */
export const bearerSecurity = [{ bearerAuth: [] }];

const HTTP_EXCEPTION_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** Any failure in the contract's terms: an AppError as it is, Hono's own HTTP errors by status, a lost dependency as 503. */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (err instanceof HTTPException) {
    const code = HTTP_EXCEPTION_CODES[err.status];
    if (code) return new AppError(code, code === 'VALIDATION_FAILED' ? 'The body is not valid JSON' : undefined);
  }
  if (isUnavailable(err)) return new AppError('SERVICE_UNAVAILABLE');
  return new AppError('INTERNAL');
}

/** Connection-level failures of Redis or MySQL: the client may retry, so they answer 503, not 500. */
function isUnavailable(err: unknown): boolean {
  for (const e of causes(err)) {
    const { code, message } = e as { code?: string; message?: string };
    if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'PROTOCOL_CONNECTION_LOST', 'EPIPE'].includes(code))
      return true;
    if (
      message &&
      /Stream isn't writeable|Connection is closed|enableOfflineQueue|MaxRetriesPerRequest|Command timed out/.test(
        message,
      )
    )
      return true;
  }
  return false;
}

/** What a request that failed answers; a 5xx is logged with where it happened (the 4xx are answers, not faults). */
export function failure(log: Logger, err: unknown, where: { reqId: string; method: string; path: string }): AppError {
  const appErr = toAppError(err);
  if (appErr.status >= 500) log.error({ err, ...where }, 'request failed');
  return appErr;
}
