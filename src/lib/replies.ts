import type { Deps } from '../deps.ts';
import { idempotent, type Recorder } from './idempotency.ts';
import type { Principal } from './jwt.ts';
import type { LeanReply } from './lean-route.ts';

/**
 * Runs a mutating answer under the request's Idempotency-Key, scoped to the token subject and the concrete method
 * and path. A retry must repeat what the request means: its validated body (unknown fields, which the contract
 * ignores, do not count). A replay is marked `Idempotent-Replayed: true`.
 */
export async function idempotentReply(
  deps: Deps,
  principal: Principal,
  scope: string,
  key: string | undefined,
  body: unknown,
  run: (record: Recorder | undefined) => Promise<{ status: number; body: unknown }>,
): Promise<LeanReply> {
  const reply = await idempotent(deps, { subject: `${principal.role}:${principal.sub}`, scope, key, body }, run);
  return {
    status: reply.status,
    json: JSON.stringify(reply.body),
    ...(reply.replayed ? { headers: { 'Idempotent-Replayed': 'true' } } : {}),
  };
}
