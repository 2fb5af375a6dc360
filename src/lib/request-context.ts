import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Deps } from '../deps.ts';
import type { AppEnv } from './http.ts';
import { requestHeader, setResponseHeaders } from './node-http.ts';
import { API_SECURITY_HEADERS } from './security-headers.ts';

const SECURITY_HEADERS = Object.entries(API_SECURITY_HEADERS);
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The request's id: the caller's X-Request-Id when it is short and plain (a trace id flows through), else a new one. */
export const requestIdOf = (given: string | undefined): string =>
  given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();

/**
 * What every request needs, in one layer (each async middleware layer costs the hot path measurably): the
 * dependencies, a request id (echoed as X-Request-Id) and the security headers.
 */
export function requestContext(deps: Deps): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    c.set('deps', deps);
    const id = requestIdOf(requestHeader(c, 'x-request-id'));
    c.set('requestId', id);
    setResponseHeaders(c, SECURITY_HEADERS);
    setResponseHeaders(c, [['X-Request-Id', id]]);
    return next();
  };
}
