import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { IssueCode, RESEND_MARKER_TTL_S } from '../src/redis/codes.ts';
import { createTestEngine, type TestEngine } from './harness.ts';

let e: TestEngine;
beforeAll(async () => (e = await createTestEngine()));
afterAll(() => e.close());

let next = 1000;
/** A coupon's Redis state written by hand, so each script is tested on its own. */
async function coupon(stock: number, window: { startsAt?: number; endsAt?: number } = {}, validDays = 7) {
  const id = next++;
  const k = e.deps.keys;
  await e.deps.redis.hset(
    k.couponMeta(id),
    'validDays',
    validDays,
    'startsAt',
    window.startsAt ?? '',
    'endsAt',
    window.endsAt ?? '',
  );
  await e.deps.redis.set(k.couponStock(id), stock);
  return id;
}
const issue = (id: number, userId: number, now = 1_000_000, limit = 0, requestId: string = randomUUID()) => {
  const k = e.deps.keys;
  const keys = [
    k.couponMeta(id),
    k.couponStock(id),
    k.couponIssued(id),
    k.couponOutbox(id),
    k.issueRate(id, userId, now),
    k.issueRequest(id, requestId),
  ] as const;
  return e.deps.redis.issueCoupon(...keys, userId, now, limit, RESEND_MARKER_TTL_S);
};

describe('lua/issue-coupon.lua', () => {
  it('run twice with one request id (a resend after a lost reply) issues once and answers both as issued', async () => {
    const id = await coupon(5, {}, 3);
    const k = e.deps.keys;
    expect(await issue(id, 9, 7_000, 1, 'req-1')).toEqual([IssueCode.Issued, 3]);
    expect(await issue(id, 9, 7_000, 1, 'req-1')).toEqual([IssueCode.Issued, 3]);
    expect(await e.deps.redis.get(k.couponStock(id))).toBe('4');
    expect(await e.deps.redis.llen(k.couponOutbox(id))).toBe(1);
    expect(await e.deps.redis.get(k.issueRate(id, 9, 7_000))).toBe('1');
    // another request of the same user is still told that they hold it
    expect(await issue(id, 9, 7_001, 0, 'req-2')).toEqual([IssueCode.AlreadyIssued]);
  });

  it('issues, records the user and the outbox entry, and returns validDays', async () => {
    const id = await coupon(2, {}, 30);
    expect(await issue(id, 7, 5_000)).toEqual([IssueCode.Issued, 30]);
    const k = e.deps.keys;
    expect(await e.deps.redis.get(k.couponStock(id))).toBe('1');
    expect(await e.deps.redis.hgetall(k.couponIssued(id))).toEqual({ '7': '5000' });
    expect(await e.deps.redis.lrange(k.couponOutbox(id), 0, -1)).toEqual(['7:5000']);
  });

  it('answers sold out, already issued (even when sold out) and unknown', async () => {
    const id = await coupon(1);
    expect((await issue(id, 1))[0]).toBe(IssueCode.Issued);
    expect(await issue(id, 2)).toEqual([IssueCode.SoldOut]);
    expect(await issue(id, 1)).toEqual([IssueCode.AlreadyIssued]);
    expect(await issue(999_999, 1)).toEqual([IssueCode.UnknownCoupon]);
    expect(await e.deps.redis.get(e.deps.keys.couponStock(id))).toBe('0');
    expect(await e.deps.redis.llen(e.deps.keys.couponOutbox(id))).toBe(1);
  });

  it('is not issuable before the window opens or from the moment it closes', async () => {
    const id = await coupon(5, { startsAt: 100, endsAt: 200 });
    expect(await issue(id, 1, 99)).toEqual([IssueCode.NotIssuable]);
    expect(await issue(id, 1, 200)).toEqual([IssueCode.NotIssuable]);
    expect((await issue(id, 1, 100))[0]).toBe(IssueCode.Issued);
    expect(await e.deps.redis.get(e.deps.keys.couponStock(id))).toBe('4');
  });

  it('rate-limits per user per second before anything else, with the time to wait', async () => {
    const id = await coupon(100);
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await issue(id, 5, 1_000, 3));
    expect(replies.slice(0, 3).map((r) => r[0])).toEqual([
      IssueCode.Issued,
      IssueCode.AlreadyIssued,
      IssueCode.AlreadyIssued,
    ]);
    expect(replies[3]![0]).toBe(IssueCode.RateLimited);
    expect(replies[3]![1]).toBeGreaterThan(0);
    expect(replies[3]![1]).toBeLessThanOrEqual(1000);
    expect((await issue(999_998, 6, 1_000, 1))[0]).toBe(IssueCode.UnknownCoupon);
    expect((await issue(999_998, 6, 1_000, 1))[0]).toBe(IssueCode.RateLimited);
  });
});

describe('lua/claim-outbox.lua and lua/ack-outbox.lua', () => {
  it('hands out a batch, re-hands it until acknowledged, and ignores a stale ack', async () => {
    const id = await coupon(10);
    for (let u = 1; u <= 5; u++) await issue(id, u, u);
    const k = e.deps.keys;
    const claim = (token: string, n = 3) =>
      e.deps.redis.claimOutbox(k.couponOutbox(id), k.couponInflight(id), k.couponInflightToken(id), n, token);
    const ack = (token: string) => e.deps.redis.ackOutbox(k.couponInflight(id), k.couponInflightToken(id), token);
    expect(await claim('a')).toEqual(['a', '1:1', '2:2', '3:3']);
    expect(await claim('b')).toEqual(['b', '1:1', '2:2', '3:3']); // the drainer holding 'a' died
    expect(await ack('a')).toBe(0);
    expect(await ack('b')).toBe(1);
    expect(await claim('c')).toEqual(['c', '4:4', '5:5']);
    expect(await ack('c')).toBe(1);
    expect(await claim('d')).toEqual([]);
  });
});

describe('lua/restore-coupon.lua', () => {
  it('counts outbox and in-flight entries as issued, once, however often it runs', async () => {
    const id = await coupon(10);
    for (let u = 1; u <= 4; u++) await issue(id, u, u);
    const k = e.deps.keys;
    await e.deps.redis.claimOutbox(k.couponOutbox(id), k.couponInflight(id), k.couponInflightToken(id), 2, 't');
    await e.deps.redis.del(k.couponIssued(id), k.couponStock(id), k.couponMeta(id));
    const restore = () =>
      e.deps.redis.restoreCoupon(
        k.couponMeta(id),
        k.couponStock(id),
        k.couponIssued(id),
        k.couponOutbox(id),
        k.couponInflight(id),
        10,
        7,
        '',
        '',
      );
    expect(await restore()).toBe(6);
    expect(await restore()).toBe(6);
    expect(await e.deps.redis.hgetall(k.couponIssued(id))).toEqual({ '1': '1', '2': '2', '3': '3', '4': '4' });
    expect(await e.deps.redis.hmget(k.couponMeta(id), 'validDays', 'startsAt')).toEqual(['7', '']);
  });
});
