import { getRequestListener, RequestError } from '@hono/node-server';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { AppError, type ErrorCode } from './errors.ts';

/** What Node's HTTP parser refuses before any handler runs, in the contract's terms. */
const PARSER_ERRORS: Record<string, ErrorCode> = {
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
};

/** A complete HTTP/1.1 response with the contract's error body, for a socket no handler will answer. */
export function rawErrorResponse(err: AppError): string {
  const body = JSON.stringify(err.toBody());
  return (
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? ''}\r\n` +
    'Content-Type: application/json; charset=UTF-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/**
 * Node's `clientError`: a malformed request line, an oversized URL or header block, conflicting or negative
 * length headers. Node would answer an empty 400/431; the contract wants its error body, then the connection
 * closes (the parser cannot resynchronise). A socket already answering, or gone, is just closed.
 */
function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (err.code === 'ECONNRESET' || !socket.writable || answering) return void socket.destroy();
  const code = PARSER_ERRORS[err.code ?? ''] ?? 'VALIDATION_FAILED';
  const appErr = new AppError(code, code === 'VALIDATION_FAILED' ? 'The HTTP request is malformed' : undefined);
  socket.end(rawErrorResponse(appErr));
}

/**
 * The app on a Node HTTP server. @hono/node-server answers a request target it cannot turn into a URL (`*`, a
 * backslash) with an empty 400 unless given an error handler; this one gives the contract's body.
 */
export async function startServer(
  fetch: (req: Request, env: unknown) => unknown,
  port: number,
  /** answers the requests it takes (src/lib/lean-route.ts) and returns true; the rest go to `fetch` */
  first?: (req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<{ server: Server; port: number }> {
  const listener = getRequestListener(fetch as Parameters<typeof getRequestListener>[0], {
    errorHandler: (err) => {
      const appErr =
        err instanceof RequestError
          ? new AppError('VALIDATION_FAILED', 'The request target is not a valid URL')
          : new AppError('INTERNAL');
      return new Response(JSON.stringify(appErr.toBody()), {
        status: appErr.status,
        headers: { 'content-type': 'application/json' },
      });
    },
  });
  const server = createServer(
    first
      ? (req, res) => {
          if (!first(req, res)) void listener(req, res);
        }
      : listener,
  );
  server.on('clientError', onClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as { port: number }).port };
}
