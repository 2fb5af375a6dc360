import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';

/**
 * Under @hono/node-server the Node request and response are in `c.env`. Reading a header from Node's plain
 * object, and setting response headers with `res.setHeader` (merged by writeHead), skip the web Headers objects
 * Hono would otherwise build for every request and response: measured here as about a fifth of the issue
 * endpoint's throughput. Without a Node server (app.request in tests) the Hono API does the same job.
 */
type NodeBindings = { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;

/** Node's request under @hono/node-server; undefined under `app.request`. */
export const nodeRequest = (c: Context): IncomingMessage | undefined => (c.env as NodeBindings)?.incoming;

/** A header of Node's request as one string (Node keeps some repeated headers as an array). */
export function nodeHeader(incoming: IncomingMessage, name: string): string | undefined {
  const v = incoming.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = nodeRequest(c);
  return incoming ? nodeHeader(incoming, name) : c.req.header(name);
}

/**
 * The body's size when the request states it (Content-Length, not chunked); undefined for a chunked body, which
 * Hono's body limit reads and counts into a new web Request (so it must then be read through Hono, not Node).
 * `header` reads the request's headers, from Hono's context or from Node's request.
 */
export function statedLength(header: (name: string) => string | undefined): number | undefined {
  const length = header('content-length');
  return length !== undefined && header('transfer-encoding') === undefined ? Number(length) : undefined;
}

export function setResponseHeaders(c: Context, headers: [string, string][]): void {
  const outgoing = (c.env as NodeBindings)?.outgoing;
  if (outgoing) for (const [k, v] of headers) outgoing.setHeader(k, v);
  else for (const [k, v] of headers) c.header(k, v);
}

/** The whole body of a Node request as UTF-8 text; rejects if the client goes away before its end. */
export function readNodeBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    incoming.once('error', reject);
    incoming.once('close', () => {
      if (!incoming.complete) reject(new Error('the request body was cut short'));
    });
  });
}
