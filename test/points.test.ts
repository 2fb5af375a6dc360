import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointHistory, pointWallets } from '../src/db/schema/index.ts';
import { purgeIdempotencyKeys } from '../src/lib/idempotency.ts';
import { concurrently, createTestEngine, type TestEngine } from './harness.ts';

let e: TestEngine;
beforeAll(async () => (e = await createTestEngine()));
afterAll(() => e.close());

const historyCount = async (userId: number) =>
  (await e.deps.db.select({ n: sql<number>`count(*)` }).from(pointHistory).where(eq(pointHistory.userId, userId)))[0]!
    .n;
const balanceOf = async (userId: number) =>
  (await e.deps.db.select().from(pointWallets).where(eq(pointWallets.userId, userId)))[0]!.balance;

describe('points: happy paths', () => {
  it('a new user has a zero balance and an empty history', async () => {
    const u = await e.user();
    expect(await e.request('GET', `/users/${u.id}/points`, { token: u.token })).toMatchObject({
      status: 200,
      body: { userId: u.id, balance: 0 },
    });
    expect((await e.request('GET', `/users/${u.id}/points/history`, { token: u.token })).body).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('a charge raises the balance and writes one CHARGE row', async () => {
    const u = await e.user();
    const r = await e.request('POST', `/users/${u.id}/points/charge`, { token: u.token, body: { amount: 1000 } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ userId: u.id, balance: 1000 });
    const h = await e.request('GET', `/users/${u.id}/points/history`, { token: u.token });
    expect(h.body.items).toHaveLength(1);
    expect(h.body.items[0]).toEqual({
      id: expect.any(Number),
      type: 'CHARGE',
      amount: 1000,
      balanceAfter: 1000,
      orderId: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
  });

  it('history pages newest first with an opaque cursor until nextCursor is null', async () => {
    const u = await e.user();
    for (let i = 1; i <= 25; i++)
      await e.request('POST', `/users/${u.id}/points/charge`, { token: u.token, body: { amount: i } });
    const seen: number[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const q: string = cursor ? `?limit=10&cursor=${cursor}` : '?limit=10';
      const r = await e.request('GET', `/users/${u.id}/points/history${q}`, { token: u.token });
      expect(r.status).toBe(200);
      sizes.push(r.body.items.length);
      seen.push(...r.body.items.map((i: { amount: number }) => i.amount));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([10, 10, 5]);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 25 - i));
    const def = await e.request('GET', `/users/${u.id}/points/history`, { token: u.token });
    expect(def.body.items).toHaveLength(20);
  });

  it('an admin reads and charges any user', async () => {
    const u = await e.user();
    expect(
      (await e.request('POST', `/users/${u.id}/points/charge`, { token: e.adminToken, body: { amount: 7 } })).body,
    ).toEqual({ userId: u.id, balance: 7 });
    expect((await e.request('GET', `/users/${u.id}/points`, { token: e.adminToken })).body).toEqual({
      userId: u.id,
      balance: 7,
    });
  });

  it('POST /admin/users creates a user', async () => {
    const r = await e.request('POST', '/admin/users', { token: e.adminToken, body: { name: '김철수 🙂' } });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ id: expect.any(Number), name: '김철수 🙂' });
    expect((await e.request('GET', `/users/${r.body.id}/points`, { token: e.adminToken })).body.balance).toBe(0);
  });
});

describe('points: errors change nothing', () => {
  it('404 USER_NOT_FOUND on all three routes', async () => {
    for (const [m, p] of [
      ['GET', '/users/999999/points'],
      ['POST', '/users/999999/points/charge'],
      ['GET', '/users/999999/points/history'],
    ] as const) {
      const r = await e.request(m, p, { token: e.adminToken, ...(m === 'POST' ? { body: { amount: 1 } } : {}) });
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ error: { code: 'USER_NOT_FOUND', message: expect.any(String) } });
    }
  });

  it.each([
    ['negative', { amount: -1 }],
    ['zero', { amount: 0 }],
    ['fractional', { amount: 1.5 }],
    ['over a million', { amount: 1_000_001 }],
    ['huge', { amount: 1e300 }],
    ['a string', { amount: '100' }],
    ['null', { amount: null }],
    ['missing', {}],
    ['an array body', [1]],
  ])('amount %s → 400 VALIDATION_FAILED', async (_, body) => {
    const u = await e.user(50);
    const r = await e.request('POST', `/users/${u.id}/points/charge`, { token: u.token, body });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    expect(r.body.error.details).toBeTypeOf('object');
    expect(await balanceOf(u.id)).toBe(50);
    expect(await historyCount(u.id)).toBe(1);
  });

  it('malformed JSON, an empty body, a non-JSON type and an oversized body', async () => {
    const u = await e.user(50);
    const path = `/users/${u.id}/points/charge`;
    const json = { 'content-type': 'application/json' };
    expect(
      (await e.request('POST', path, { token: u.token, rawBody: '{"amount":', headers: json })).body.error.code,
    ).toBe('VALIDATION_FAILED');
    expect((await e.request('POST', path, { token: u.token, rawBody: '', headers: json })).status).toBe(400);
    const text = await e.request('POST', path, {
      token: u.token,
      rawBody: '{"amount":5}',
      headers: { 'content-type': 'text/plain' },
    });
    expect([text.status, text.body.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const bigBody = JSON.stringify({ amount: 5, pad: 'x'.repeat(70_000) });
    // Without Content-Length the body is counted as it streams (chunked); with one it is refused unread.
    const big = await e.request('POST', path, { token: u.token, rawBody: bigBody, headers: json });
    expect([big.status, big.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const declared = await e.request('POST', path, {
      token: u.token,
      rawBody: bigBody,
      headers: { ...json, 'content-length': String(Buffer.byteLength(bigBody)) },
    });
    expect([declared.status, declared.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const fits = JSON.stringify({ amount: 5, pad: 'x'.repeat(60_000) });
    expect(
      (
        await e.request('POST', path, {
          token: u.token,
          rawBody: fits,
          headers: { ...json, 'content-length': String(Buffer.byteLength(fits)) },
        })
      ).status,
    ).toBe(200);
    expect(await balanceOf(u.id)).toBe(55);
    expect(await historyCount(u.id)).toBe(2);
  });

  it('409 BALANCE_LIMIT_EXCEEDED above 100,000,000, and nothing changes', async () => {
    const u = await e.user(1000);
    await e.deps.db.update(pointWallets).set({ balance: 99_999_500 }).where(eq(pointWallets.userId, u.id));
    const r = await e.request('POST', `/users/${u.id}/points/charge`, { token: u.token, body: { amount: 501 } });
    expect([r.status, r.body.error.code]).toEqual([409, 'BALANCE_LIMIT_EXCEEDED']);
    expect(await balanceOf(u.id)).toBe(99_999_500);
    expect(await historyCount(u.id)).toBe(1);
    const ok = await e.request('POST', `/users/${u.id}/points/charge`, { token: u.token, body: { amount: 500 } });
    expect(ok.body.balance).toBe(100_000_000);
  });

  it('bad paths and page queries → 400', async () => {
    for (const p of [
      '/users/01/points',
      '/users/abc/points',
      '/users/0/points',
      '/users/9007199254740992/points',
      '/users/1.5/points',
    ]) {
      const r = await e.request('GET', p, { token: e.adminToken });
      expect([p, r.status, r.body.error.code]).toEqual([p, 400, 'VALIDATION_FAILED']);
    }
    const u = await e.user();
    for (const q of ['limit=', 'limit=0', 'limit=101', 'limit=abc', 'limit=1.5', 'cursor=%%%', 'cursor=bm9wZQ']) {
      const r = await e.request('GET', `/users/${u.id}/points/history?${q}`, { token: u.token });
      expect([q, r.status]).toEqual([q, 400]);
    }
  });
});

describe('points: concurrency and idempotency', () => {
  it('100 concurrent charges of 100 → exactly +10,000 and exactly 100 rows', async () => {
    const u = await e.user();
    const res = await concurrently(100, () =>
      e.request('POST', `/users/${u.id}/points/charge`, { token: u.token, body: { amount: 100 } }),
    );
    expect(res.filter((r) => r.status === 200)).toHaveLength(100);
    expect(await balanceOf(u.id)).toBe(10_000);
    expect(await historyCount(u.id)).toBe(100);
    const balances = res.map((r) => r.body.balance).sort((a, b) => a - b);
    expect(balances).toEqual(Array.from({ length: 100 }, (_, i) => (i + 1) * 100));
  });

  it('50 concurrent charges with one Idempotency-Key → exactly one applied', async () => {
    const u = await e.user();
    const headers = { 'idempotency-key': 'charge-once-1' };
    const res = await concurrently(50, () =>
      e.request('POST', `/users/${u.id}/points/charge`, { token: u.token, body: { amount: 300 }, headers }),
    );
    const ok = res.filter((r) => r.status === 200);
    const busy = res.filter((r) => r.status === 409);
    expect(ok.length + busy.length).toBe(50);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of ok) expect(r.body).toEqual({ userId: u.id, balance: 300 });
    for (const r of busy) expect(r.body.error.code).toBe('REQUEST_IN_PROGRESS');
    expect(ok.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    expect(await balanceOf(u.id)).toBe(300);
    expect(await historyCount(u.id)).toBe(1);
  });

  it('a retry replays the first answer; another body is 422; keys are per path and subject', async () => {
    const u = await e.user();
    const v = await e.user();
    const headers = { 'idempotency-key': 'k-1' };
    const first = await e.request('POST', `/users/${u.id}/points/charge`, {
      token: u.token,
      body: { amount: 10, note: 'a', x: 1 },
      headers,
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await e.request('POST', `/users/${u.id}/points/charge`, {
      token: u.token,
      body: { x: 1, note: 'a', amount: 10 },
      headers,
    });
    expect([again.status, again.body, again.headers.get('idempotent-replayed')]).toEqual([200, first.body, 'true']);
    const other = await e.request('POST', `/users/${u.id}/points/charge`, {
      token: u.token,
      body: { amount: 11 },
      headers,
    });
    expect([other.status, other.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    const otherUser = await e.request('POST', `/users/${v.id}/points/charge`, {
      token: v.token,
      body: { amount: 10 },
      headers,
    });
    expect(otherUser.body).toEqual({ userId: v.id, balance: 10 });
    expect(await balanceOf(u.id)).toBe(10);
    expect(await historyCount(u.id)).toBe(1);
  });

  it('stored answers outlive 24 hours and are purged after a week', async () => {
    const u = await e.user();
    const headers = { 'idempotency-key': 'old-key' };
    await e.request('POST', `/users/${u.id}/points/charge`, { token: u.token, body: { amount: 1 }, headers });
    const clockIn = (ms: number) => ({ db: e.deps.db, clock: { now: () => Date.now() + ms } });
    expect(await purgeIdempotencyKeys(clockIn(2 * 86_400_000))).toBe(0);
    expect(
      (
        await e.request('POST', `/users/${u.id}/points/charge`, { token: u.token, body: { amount: 1 }, headers })
      ).headers.get('idempotent-replayed'),
    ).toBe('true');
    expect(await purgeIdempotencyKeys(clockIn(8 * 86_400_000))).toBeGreaterThanOrEqual(1);
    const after = await e.request('POST', `/users/${u.id}/points/charge`, {
      token: u.token,
      body: { amount: 1 },
      headers,
    });
    expect([after.status, after.headers.get('idempotent-replayed'), after.body.balance]).toEqual([200, null, 2]);
  });

  it('a final 4xx answer is replayed too, and bad keys are 400', async () => {
    const u = await e.user();
    await e.deps.db.update(pointWallets).set({ balance: 100_000_000 }).where(eq(pointWallets.userId, u.id));
    const headers = { 'idempotency-key': 'limit-1' };
    const first = await e.request('POST', `/users/${u.id}/points/charge`, {
      token: u.token,
      body: { amount: 1 },
      headers,
    });
    expect(first.status).toBe(409);
    await e.deps.db.update(pointWallets).set({ balance: 0 }).where(eq(pointWallets.userId, u.id));
    const again = await e.request('POST', `/users/${u.id}/points/charge`, {
      token: u.token,
      body: { amount: 1 },
      headers,
    });
    expect([again.status, again.body, again.headers.get('idempotent-replayed')]).toEqual([409, first.body, 'true']);
    expect(await balanceOf(u.id)).toBe(0);
    for (const key of ['', 'x'.repeat(65), 'has space', 'ü']) {
      const r = await e.request('POST', `/users/${u.id}/points/charge`, {
        token: u.token,
        body: { amount: 1 },
        headers: { 'idempotency-key': key },
      });
      expect([JSON.stringify(key), r.status]).toEqual([JSON.stringify(key), 400]);
    }
    expect(await balanceOf(u.id)).toBe(0);
  });
});
