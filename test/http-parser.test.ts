/**
 * Requests that Node's HTTP parser or the adapter refuse before any route runs still get the contract's error
 * body: raw bytes over a socket, since no HTTP client sends these.
 */
import type { Server } from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApp } from '../src/app.ts';
import { createTestEngine, type TestEngine } from './harness.ts';

let e: TestEngine;
let server: Server;
let port: number;
beforeAll(async () => {
  e = await createTestEngine();
  ({ server, port } = await serveApp(e.deps, e.app, 0));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await e.close();
});

/** Sends `raw` and reads until the server closes the connection; returns the status and the parsed body. */
function send(raw: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(raw));
    let data = '';
    socket.on('data', (d) => (data += d.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1]);
      const text = data.slice(data.indexOf('\r\n\r\n') + 4);
      try {
        resolve({ status, body: JSON.parse(text) });
      } catch {
        resolve({ status, body: text });
      }
    });
    socket.setTimeout(5_000, () =>
      socket.destroy(new Error(`no complete answer to ${JSON.stringify(raw.slice(0, 60))}: ${data}`)),
    );
  });
}

describe('parser-level errors answer with the error body', () => {
  it.each([
    [
      'a backslash in the path',
      'GET /products\\1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      400,
      'VALIDATION_FAILED',
    ],
    ['a request target of *', 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 400, 'VALIDATION_FAILED'],
    [
      'a URL over 16 KB',
      `GET /products?q=${'a'.repeat(17_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      431,
      'HEADERS_TOO_LARGE',
    ],
    [
      'a negative Content-Length',
      'POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n',
      400,
      'VALIDATION_FAILED',
    ],
    [
      'Content-Length with Transfer-Encoding and an empty body',
      'POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
      400,
      'VALIDATION_FAILED',
    ],
    ['a malformed request line', 'THIS IS NOT HTTP\r\n\r\n', 400, 'VALIDATION_FAILED'],
  ])('%s', async (_, raw, status, code) => {
    const r = await send(raw);
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(typeof r.body.error.message).toBe('string');
  });

  it('an ordinary request on the same server is answered by the app', async () => {
    const r = await send('GET /products/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect([r.status, r.body.error.code]).toEqual([404, 'PRODUCT_NOT_FOUND']);
  });
});

describe('the order of checks for a body', () => {
  it('a text/plain body to a path with a bad id is 415, not 400 (413, then 415, then 400)', async () => {
    const admin = e.adminToken;
    const text = await e.request('POST', '/users/abc/points/charge', {
      token: admin,
      rawBody: '{"amount":5}',
      headers: { 'content-type': 'text/plain' },
    });
    expect([text.status, text.body.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const json = await e.request('POST', '/users/abc/points/charge', { token: admin, body: { amount: 5 } });
    expect([json.status, json.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const big = 'x'.repeat(70_000);
    const tooLarge = await e.request('POST', '/users/abc/points/charge', {
      token: admin,
      rawBody: big,
      headers: { 'content-type': 'text/plain', 'content-length': String(big.length) },
    });
    expect([tooLarge.status, tooLarge.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });
});
