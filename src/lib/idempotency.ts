import { createHash } from 'node:crypto';
import { isDuplicateKey } from '../db/errors.ts';
import type { Deps } from '../deps.ts';
import { AppError, isAppError } from './errors.ts';
import {
  findKey,
  forgetRunning,
  insertRunning,
  purgeBefore,
  storeAnswer,
  takeOver,
  type KeyId,
} from './idempotency.repo.ts';

export type Reply = { status: number; body: unknown; replayed: boolean };
/** One stored key: who, where, which key, and the request it was first used with. */
export type IdempotencyId = { subject: string; scope: string; key: string; requestHash: string; createdAt: Date };
/**
 * Handed to a service so that it stores the answer inside the transaction that applies the change
 * (src/payments/payments.repo.ts `storeAnswers`), then sets `recorded`: a crash can never leave a change applied
 * without its answer.
 */
export type Recorder = { id: IdempotencyId; recorded: boolean };

/** A RUNNING key older than this belongs to a request that died before committing; it may be taken over. */
export const ABANDONED_AFTER_MS = 60_000;
/** The contract keeps keys at least 24 hours; stored answers are purged after a week. */
export const KEEP_KEYS_MS = 7 * 86_400_000;

/** Deletes stored answers older than KEEP_KEYS_MS, a bounded batch at a time. Returns how many went. */
export async function purgeIdempotencyKeys(deps: Pick<Deps, 'db' | 'clock'>, keepMs = KEEP_KEYS_MS): Promise<number> {
  let purged = 0;
  for (;;) {
    const n = await purgeBefore(deps.db, new Date(deps.clock.now() - keepMs), 5000);
    purged += n;
    if (n < 5000) return purged;
  }
}

/**
 * Who asks (the token's role and subject), for which method and path, with which key, and what the request
 * means: its validated body, so unknown fields (ignored by the contract) never make a retry "another body".
 */
export type IdempotencyScope = { subject: string; scope: string; key: string | undefined; body: unknown };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** JSON with object keys sorted, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Runs `run` at most once per (subject, scope, key). Final answers — successes and 4xx alike — are stored and
 * replayed; a 5xx or unexpected failure removes the key so the client may retry.
 */
export async function idempotent(
  deps: Deps,
  req: IdempotencyScope,
  run: (record: Recorder | undefined) => Promise<{ status: number; body: unknown }>,
): Promise<Reply> {
  if (req.key === undefined) return settle(() => run(undefined));

  // The subject is stored as its digest: any subject the token check accepts fits, and compares exactly.
  const id = { subject: sha256(req.subject), scope: req.scope, key: req.key };
  const hash = sha256(canonicalJson(req.body));
  const claimed = await claim(deps, id, hash);
  if (!(claimed instanceof Date)) return claimed;

  const record: Recorder = { id: { ...id, requestHash: hash, createdAt: claimed }, recorded: false };
  try {
    const reply = await run(record);
    if (!record.recorded) await storeAnswer(deps.db, id, reply.status, reply.body);
    return { replayed: false, ...reply };
  } catch (err) {
    if (isAppError(err) && err.status < 500) {
      await storeAnswer(deps.db, id, err.status, err.toBody());
      throw err;
    }
    await forgetRunning(deps.db, id);
    throw err;
  }
}

async function settle(run: () => Promise<{ status: number; body: unknown }>): Promise<Reply> {
  return { replayed: false, ...(await run()) };
}

/**
 * Inserts the key as RUNNING and returns its time; returns the stored reply when the key was already used, or
 * throws 409/422.
 */
async function claim(deps: Deps, id: KeyId, hash: string): Promise<Reply | Date> {
  const now = new Date(deps.clock.now());
  try {
    await insertRunning(deps.db, id, hash, now);
    return now;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }

  const row = await findKey(deps.db, id);
  if (!row) return claim(deps, id, hash); // removed after a 5xx between our insert and select
  if (row.requestHash !== hash) {
    throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request body');
  }
  if (row.state === 'DONE') {
    return { status: row.responseStatus ?? 200, body: JSON.parse(row.responseBody ?? 'null'), replayed: true };
  }
  if (now.getTime() - row.createdAt.getTime() > ABANDONED_AFTER_MS) {
    if (await takeOver(deps.db, id, row.createdAt, now)) return now;
  }
  throw new AppError('REQUEST_IN_PROGRESS', 'A request with this Idempotency-Key is still running');
}
