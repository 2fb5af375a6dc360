/**
 * `npm run load` against an engine it did not start: set-up through the admin API, the crowd, the audit through
 * the API, and the JSON and HTML reports; bad arguments are refused before any request.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serveApp } from '../src/app.ts';
import { ROOT } from '../src/paths.ts';
import { createTestEngine, TEST_SECRET, type TestEngine } from './harness.ts';

const run = promisify(execFile);
let e: TestEngine;
let server: Server;
let url: string;
let out: string;
beforeAll(async () => {
  e = await createTestEngine({ workers: true });
  const listening = await serveApp(e.deps, e.app, 0);
  server = listening.server;
  url = `http://127.0.0.1:${listening.port}`;
  out = mkdtempSync(join(tmpdir(), 'load-'));
});
afterAll(async () => {
  rmSync(out, { recursive: true, force: true });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await e.close();
});

const load = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/load.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, JWT_SECRET: TEST_SECRET },
    timeout: 90_000,
  });

it('coupon-rush against a running engine: progress, a passing audit, JSON and a self-contained HTML report', async () => {
  const { stdout } = await load([
    'coupon-rush',
    '--url',
    url,
    '--duration',
    '2',
    '--connections',
    '10',
    '--users',
    '40',
    '--copies',
    '25',
    '--out',
    out,
  ]);
  expect(stdout).toMatch(/^\s+1 s\s+\d+ req\/s/m);
  expect(stdout).toContain('audit: pass');
  const files = readdirSync(out);
  const json = JSON.parse(readFileSync(join(out, files.find((f) => f.endsWith('.json'))!), 'utf8'));
  expect(json.audit).toMatchObject({
    passed: true,
    checks: { issued: 25, created201: 25, persisted: 25, remaining: 0 },
  });
  const html = readFileSync(join(out, files.find((f) => f.endsWith('.html'))!), 'utf8');
  expect(html).toContain('<svg');
  expect(html).not.toMatch(/<(script|link)\b/);
}, 120_000);

it('order-rush whose stock outlasts the run: the orders still in flight at the end are audited, not miscounted', async () => {
  const dir = mkdtempSync(join(out, 'orders-'));
  const { stdout } = await load([
    'order-rush',
    '--url',
    url,
    '--duration',
    '2',
    '--connections',
    '10',
    '--users',
    '30',
    '--stock',
    '100000',
    '--out',
    dir,
  ]);
  expect(stdout).toContain('audit: pass');
  const json = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!), 'utf8'));
  const { checks } = json.audit;
  expect(checks.paid201).toBeGreaterThan(0);
  expect(checks.wrongBalances).toBe(0);
  expect(checks.sold).toBeGreaterThanOrEqual(checks.paid201);
  expect(checks.sold).toBeLessThanOrEqual(checks.paid201 + checks.unanswered);
  expect(checks.unanswered).toBeLessThanOrEqual(10);
}, 120_000);

it('refuses an unknown scenario or a missing --url with exit code 2, before any request', async () => {
  const bad = await load(['nope', '--url', url]).catch((err: { code: number; stderr: string }) => err);
  expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('scenario must be one of') });
  const noUrl = await load(['browse']).catch((err: { code: number; stderr: string }) => err);
  expect(noUrl).toMatchObject({ code: 2, stderr: expect.stringContaining('--url') });
});
