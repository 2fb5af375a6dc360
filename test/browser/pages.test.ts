/**
 * The pages people open, in a real browser: /docs (the API reference, which must work with no internet) and the
 * queue dashboard behind basic auth. Debian's chromium, driven by puppeteer-core; each page saves a screenshot
 * to `BROWSER_SHOTS` (default `.ci/results/screenshots`).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApp } from '../../src/app.ts';
import { ROOT } from '../../src/paths.ts';
import { createTestEngine, type TestEngine } from '../harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = process.env.BROWSER_SHOTS || join(ROOT, '.ci', 'results', 'screenshots');

let e: TestEngine;
let server: Server;
let origin: string;
let browser: Browser;
let profile: string;

beforeAll(async () => {
  e = await createTestEngine({ env: { ADMIN_USER: 'ops', ADMIN_PASSWORD: 'correct horse' } });
  const listening = await serveApp(e.deps, e.app, 0);
  server = listening.server;
  origin = `http://127.0.0.1:${listening.port}`;
  profile = mkdtempSync(join(tmpdir(), 'chromium-'));
  mkdirSync(SHOTS, { recursive: true });
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  rmSync(profile, { recursive: true, force: true });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await e.close();
});

describe('in a browser', () => {
  it('/docs lists every operation of the contract and asks nothing of any other host', async () => {
    const page = await browser.newPage();
    const elsewhere: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) elsewhere.push(r.url());
    });
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`${origin}/docs`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('.opblock', { timeout: 20_000 });
    const doc = (await (await fetch(`${origin}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(doc.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    const shown = await page.$$eval('.opblock', (els) => els.length);
    expect(shown).toBe(operations);
    expect(await page.$$eval('.opblock-summary-path', (els) => els.map((el) => el.textContent))).toEqual(
      expect.arrayContaining(['/orders', '/coupons/{couponId}/issue']),
    );
    expect(elsewhere).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'docs.png'), fullPage: false });
    await page.close();
  });

  it('/admin/queues with basic auth lists the engine queues', async () => {
    const page = await browser.newPage();
    await page.authenticate({ username: 'ops', password: 'correct horse' });
    await page.setViewport({ width: 1280, height: 900 });
    const res = await page.goto(`${origin}/admin/queues`, { waitUntil: 'domcontentloaded' });
    expect(res?.status()).toBe(200);
    const names = ['coupon-drain', 'order-delivery', 'maintenance'];
    // Expressions evaluated in the page (as text: the tests' tsconfig has no DOM types).
    await page.waitForFunction(`${JSON.stringify(names)}.every((n) => document.body.innerText.includes(n))`, {
      timeout: 20_000,
    });
    const text = (await page.evaluate('document.body.innerText')) as string;
    for (const n of names) expect(text).toContain(n);
    // Let the queue panel load before the picture (its web font is asked of a host this network never reaches).
    await page.waitForNetworkIdle({ idleTime: 300, timeout: 10_000 }).catch(() => undefined);
    await page.screenshot({ path: join(SHOTS, 'queues.png'), fullPage: false });
    await page.close();
  });
});
