import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';

/**
 * Under @hono/node-server the Node request and response are in `c.env`. Reading a header from Node's plain
 * object, and setting response headers with `res.setHeader` (merged by writeHead), skip the web Headers objects
 * Hono would otherwise build for every request and response: measured here as about a fifth of the issue
 * endpoint's throughput. Without a Node server (app.request in tests) the Hono API does the same job.
 */
type NodeBindings = { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;

export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as NodeBindings)?.incoming;
  if (incoming) {
    const v = incoming.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  }
  return c.req.header(name);
}

export function setResponseHeaders(c: Context, headers: [string, string][]): void {
  const outgoing = (c.env as NodeBindings)?.outgoing;
  if (outgoing) for (const [k, v] of headers) outgoing.setHeader(k, v);
  else for (const [k, v] of headers) c.header(k, v);
}
