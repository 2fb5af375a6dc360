import type { Result } from 'ioredis';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LUA_DIR } from '../paths.ts';
import type { RedisClient } from './client.ts';
import type {
  AckCode,
  AdjustCode,
  ClaimReply,
  ConfirmReply,
  IssueCode,
  ReleaseCode,
  ReserveCode,
  RestockCode,
  RestoreReply,
} from './codes.ts';

/** Each script's file and key count; ioredis `defineCommand` loads it once and runs it by SHA (EVALSHA, NOSCRIPT fallback). */
const SCRIPTS = {
  issueCoupon: { file: 'issue-coupon.lua', keys: 6 },
  claimOutbox: { file: 'claim-outbox.lua', keys: 3 },
  ackOutbox: { file: 'ack-outbox.lua', keys: 2 },
  restoreCoupon: { file: 'restore-coupon.lua', keys: 5 },
  adjustStock: { file: 'adjust-stock.lua', keys: 2 },
} as const;

/** Scripts whose key count depends on the order: called with the count first (`numberOfKeys` left open). */
const VARIADIC = {
  reserveStock: 'reserve-stock.lua',
  releaseStock: 'release-stock.lua',
  confirmStock: 'confirm-stock.lua',
  restockOrder: 'restock-order.lua',
} as const;

type K = string;
declare module 'ioredis' {
  interface RedisCommander<Context> {
    issueCoupon(
      meta: K,
      stock: K,
      issued: K,
      outbox: K,
      rate: K,
      request: K,
      userId: number,
      now: number,
      limit: number,
      markerTtlS: number,
    ): Result<[IssueCode, number?], Context>;
    claimOutbox(outbox: K, inflight: K, token: K, batch: number, newToken: string): Result<ClaimReply, Context>;
    ackOutbox(inflight: K, token: K, ownToken: string): Result<AckCode, Context>;
    restoreCoupon(
      meta: K,
      stock: K,
      issued: K,
      outbox: K,
      inflight: K,
      total: number,
      validDays: number,
      startsAt: number | '',
      endsAt: number | '',
    ): Result<RestoreReply, Context>;
    adjustStock(
      stock: K,
      marker: K,
      delta: number,
      max: number,
      markerTtlS: number,
      bounded: 0 | 1,
    ): Result<[AdjustCode, number?], Context>;
    reserveStock(numKeys: number, ...keysThenArgs: (string | number)[]): Result<[ReserveCode, number?], Context>;
    releaseStock(numKeys: number, ...keysThenArgs: (string | number)[]): Result<ReleaseCode, Context>;
    confirmStock(numKeys: number, ...keysThenArgs: (string | number)[]): Result<ConfirmReply, Context>;
    restockOrder(numKeys: number, ...keysThenArgs: (string | number)[]): Result<RestockCode, Context>;
  }
}

export function registerScripts<T extends RedisClient>(client: T): T {
  for (const [name, { file, keys }] of Object.entries(SCRIPTS)) {
    client.defineCommand(name, { numberOfKeys: keys, lua: readFileSync(join(LUA_DIR, file), 'utf8') });
  }
  for (const [name, file] of Object.entries(VARIADIC)) {
    client.defineCommand(name, { lua: readFileSync(join(LUA_DIR, file), 'utf8') });
  }
  return client;
}
