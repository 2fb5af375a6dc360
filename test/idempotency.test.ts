/**
 * Idempotency keys are exact byte strings scoped to the token's subject and the concrete path; a retry is
 * "the same request" when it means the same (its validated body).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { product } from './fixtures.ts';
import { createTestEngine, type TestEngine } from './harness.ts';

let e: TestEngine;
beforeAll(async () => (e = await createTestEngine()));
afterAll(() => e.close());

const adminAs = (sub: string) => e.jwt.sign({ sub, role: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 });
const balanceOf = async (userId: number) =>
  (await e.request('GET', `/users/${userId}/points`, { token: e.adminToken })).body.balance as number;
const charge = (userId: number, token: string, key: string, body: object = { amount: 10 }) =>
  e.request('POST', `/users/${userId}/points/charge`, { token, body, headers: { 'idempotency-key': key } });

describe('keys compare exactly', () => {
  it('Key-abc and KEY-ABC are two keys: both charges apply, neither is a replay', async () => {
    const u = await e.user();
    const first = await charge(u.id, u.token, 'Key-abc');
    const second = await charge(u.id, u.token, 'KEY-ABC');
    expect([first.status, first.body.balance, first.headers.get('idempotent-replayed')]).toEqual([200, 10, null]);
    expect([second.status, second.body.balance, second.headers.get('idempotent-replayed')]).toEqual([200, 20, null]);
    const replay = await charge(u.id, u.token, 'Key-abc');
    expect([replay.body.balance, replay.headers.get('idempotent-replayed')]).toEqual([10, 'true']);
    expect(await balanceOf(u.id)).toBe(20);
  });

  it('admins "Ops" and "ops" do not share keys', async () => {
    const u = await e.user();
    expect((await charge(u.id, adminAs('Ops'), 'same-key')).headers.get('idempotent-replayed')).toBeNull();
    expect((await charge(u.id, adminAs('ops'), 'same-key')).headers.get('idempotent-replayed')).toBeNull();
    expect(await balanceOf(u.id)).toBe(20);
  });

  it('an admin subject of any length the token check accepts works with a key, and replays', async () => {
    const u = await e.user();
    const token = adminAs(`ops-${'x'.repeat(500)}`);
    const first = await charge(u.id, token, 'long-subject');
    expect([first.status, first.body.balance]).toEqual([200, 10]);
    const again = await charge(u.id, token, 'long-subject');
    expect([again.status, again.body.balance, again.headers.get('idempotent-replayed')]).toEqual([200, 10, 'true']);
    expect(await balanceOf(u.id)).toBe(10);
  });
});

describe('keys are scoped to the subject and the path', () => {
  it("user B's order with user A's key and body is B's own order, never A's replayed answer", async () => {
    const p = await product(e, [{ price: 100, stock: 10 }]);
    const a = await e.user(1_000);
    const b = await e.user(1_000);
    const body = { items: [{ optionId: p.optionIds[0]!, quantity: 1 }] };
    const headers = { 'idempotency-key': 'shared-key-1' };
    const ra = await e.request('POST', '/orders', { token: a.token, body, headers });
    const rb = await e.request('POST', '/orders', { token: b.token, body, headers });
    expect([ra.status, ra.body.userId]).toEqual([201, a.id]);
    expect([rb.status, rb.body.userId, rb.headers.get('idempotent-replayed')]).toEqual([201, b.id, null]);
    expect(rb.body.orderId).not.toBe(ra.body.orderId);
    expect([await balanceOf(a.id), await balanceOf(b.id)]).toEqual([900, 900]);
  });

  it("an admin's one key on two users' charge paths charges both", async () => {
    const u1 = await e.user();
    const u2 = await e.user();
    await charge(u1.id, e.adminToken, 'admin-key');
    const second = await charge(u2.id, e.adminToken, 'admin-key');
    expect([second.status, second.body.userId, second.headers.get('idempotent-replayed')]).toEqual([200, u2.id, null]);
    expect([await balanceOf(u1.id), await balanceOf(u2.id)]).toEqual([10, 10]);
  });
});

describe('a retry is compared by what it means', () => {
  it('unknown body fields do not make a retry another request', async () => {
    const u = await e.user();
    await charge(u.id, u.token, 'extra-fields', { amount: 7 });
    const retry = await charge(u.id, u.token, 'extra-fields', { amount: 7, note: 'ignored' });
    expect([retry.status, retry.body.balance, retry.headers.get('idempotent-replayed')]).toEqual([200, 7, 'true']);
    const other = await charge(u.id, u.token, 'extra-fields', { amount: 8 });
    expect([other.status, other.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    expect(await balanceOf(u.id)).toBe(7);
  });

  it('an order without couponId and the same order with couponId null are one request', async () => {
    const p = await product(e, [{ price: 50, stock: 10 }]);
    const u = await e.user(1_000);
    const items = [{ optionId: p.optionIds[0]!, quantity: 1 }];
    const headers = { 'idempotency-key': 'null-coupon' };
    const first = await e.request('POST', '/orders', { token: u.token, body: { items }, headers });
    const retry = await e.request('POST', '/orders', { token: u.token, body: { items, couponId: null }, headers });
    expect([retry.status, retry.body.orderId, retry.headers.get('idempotent-replayed')]).toEqual([
      201,
      first.body.orderId,
      'true',
    ]);
    expect(await balanceOf(u.id)).toBe(950);
  });
});
