import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './http.ts';
import { idempotent, type Recorder, type Reply } from './idempotency.ts';

/** Sends a (possibly replayed) idempotent reply, marking replays with `Idempotent-Replayed: true`. */
export function sendReply(c: Context<AppEnv>, reply: Reply): never {
  if (reply.replayed) c.header('Idempotent-Replayed', 'true');
  // Typed `never`: a replay may carry any of the route's documented statuses, which the typed helpers cannot express.
  return c.json(reply.body as object, reply.status as ContentfulStatusCode) as never;
}

/**
 * Runs a mutating handler under the request's Idempotency-Key, scoped to the token subject and the concrete
 * method and path. A retry must repeat what the request means: its validated body (unknown fields, which the
 * contract ignores, do not count).
 */
export async function runIdempotent(
  c: Context<AppEnv>,
  key: string | undefined,
  body: unknown,
  run: (record: Recorder | undefined) => Promise<{ status: number; body: unknown }>,
): Promise<never> {
  const principal = c.get('principal');
  const reply = await idempotent(
    c.get('deps'),
    { subject: `${principal.role}:${principal.sub}`, scope: `${c.req.method} ${c.req.path}`, key, body },
    run,
  );
  return sendReply(c, reply);
}
